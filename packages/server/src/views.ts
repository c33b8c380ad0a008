import type { RunState } from "@cortex/core";
import type { Principal } from "@cortex/plugins";
import type { WaitingCall } from "./decisions.js";
import type { PendingCheckpoint } from "./pending.js";
import type { Tally } from "./policy.js";
import type { PreviewView } from "./preview.js";

/** A pending checkpoint as the inbox lists it. */
export interface PendingView extends PendingCheckpoint {
  /** When the server denies it as expired (ISO 8601). */
  expiresAt: string;
  votes: { approvals: string[]; quorum: number };
}

/** A run message as a checkpoint's context shows it. */
export interface MessageView {
  role: string;
  content?: string;
  name?: string;
  toolCalls?: { name: string; arguments: unknown }[];
}

/** Everything a person needs to decide on one checkpoint. */
export interface CheckpointView {
  checkpoint: {
    checkpointId: string;
    runId: string;
    agentId: string;
    plugin: string;
    action: string;
    tier: string;
    params: Record<string, unknown>;
    approvalId: string;
    reason: string;
    createdAt: string;
    expiresAt: string;
  };
  rule: { quorum: number; roles: string[]; selfApproval: boolean };
  votes: {
    approvals: string[];
    quorum: number;
    list: { seq: number; principal: string; decision: string; reason: string | null; at: string }[];
  };
  /** What the asking principal may do, and why not. */
  you: { canApprove: boolean; canDeny: boolean; why?: string; voted?: string };
  preview: PreviewView;
  run: {
    runId: string;
    agentId: string;
    principal: Principal | null;
    input: string | null;
    steps: number;
    messages: MessageView[];
  };
}

const clip = (text: string, limit: number): string =>
  text.length > limit ? `${text.slice(0, limit)}… (${text.length - limit} more characters)` : text;

/** A value as is, or its JSON text cut to `limit` characters when that is longer. */
function clipJson(value: unknown, limit: number): unknown {
  const text = JSON.stringify(value) ?? "null";
  return text.length > limit ? clip(text, limit) : value;
}

/** The run's messages as shown beside a checkpoint, each text cut to `limit` characters. */
export function messagesOf(state: RunState, limit: number): MessageView[] {
  return state.messages.map((message) => {
    const view: MessageView = { role: message.role };
    if (typeof message.content === "string") view.content = clip(message.content, limit);
    if (message.role === "tool") view.name = message.name;
    if (message.role === "assistant" && message.toolCalls?.length)
      view.toolCalls = message.toolCalls.map((call) => ({
        name: call.name,
        arguments: clipJson(call.arguments, limit),
      }));
    return view;
  });
}

/** What `principal` may do on this call, and why not. */
function permissions(call: WaitingCall, votes: Tally, principal: Principal): CheckpointView["you"] {
  const mine = votes.votes.find((vote) => vote.principal.id === principal.id);
  if (mine) return { canApprove: false, canDeny: false, why: `you voted (${mine.decision})`, voted: mine.decision };
  if (!principal.roles.some((role) => call.rule.roles.includes(role)))
    return { canApprove: false, canDeny: false, why: `deciding needs one of the roles ${call.rule.roles.join(", ")}` };
  if (!call.rule.selfApproval && call.state.principal?.id === principal.id)
    return { canApprove: false, canDeny: true, why: "the run acts for you: another principal must approve" };
  return { canApprove: true, canDeny: true };
}

/** The view of one waiting checkpoint for `principal`. */
export function checkpointView(
  call: WaitingCall,
  votes: Tally,
  preview: PreviewView,
  principal: Principal,
  messageLimit: number,
): CheckpointView {
  const { checkpoint, state, rule } = call;
  const input = state.messages.find((message) => message.role === "user");
  return {
    checkpoint: {
      checkpointId: checkpoint.id,
      runId: checkpoint.runId,
      agentId: checkpoint.agentId,
      plugin: checkpoint.plugin,
      action: checkpoint.action,
      tier: checkpoint.tier,
      params: checkpoint.args,
      approvalId: checkpoint.approvalId,
      reason: checkpoint.reason,
      createdAt: checkpoint.createdAt,
      expiresAt: new Date(call.dueAt).toISOString(),
    },
    rule: { quorum: rule.quorum, roles: [...rule.roles], selfApproval: rule.selfApproval },
    votes: {
      approvals: votes.approvals,
      quorum: rule.quorum,
      list: votes.votes.map((vote) => ({
        seq: vote.seq,
        principal: vote.principal.id,
        decision: vote.decision,
        reason: vote.reason,
        at: vote.at,
      })),
    },
    you: permissions(call, votes, principal),
    preview,
    run: {
      runId: state.runId,
      agentId: state.agentId,
      principal: state.principal ? { id: state.principal.id, roles: [...state.principal.roles] } : null,
      input: typeof input?.content === "string" ? input.content.slice(0, messageLimit) : null,
      steps: state.stepIndex + 1,
      messages: messagesOf(state, messageLimit),
    },
  };
}
