import type { Checkpoint, RunState } from "@cortex/core";
import { approvalId as approvalIdOf, type Principal } from "@cortex/plugins";
import { messageOf, type Logger } from "@cortex/primitives";
import type { Decider } from "./deciders.js";
import { Resumer } from "./resumes.js";
import {
  AlreadyDecidedError,
  AlreadyVotedError,
  ApprovalMismatchError,
  CheckpointExpiredError,
  NotFoundError,
  NotPermittedError,
  SelfApprovalError,
  UnavailableError,
} from "./errors.js";
import type { EventHub } from "./events.js";
import type { ApprovalLedger } from "./ledger/ledger.js";
import type { CallRecord, DecisionEntry, LedgerCall, VoteEntry } from "./ledger/record.js";
import type { PendingCheckpoint, PendingSource, PendingWatcher } from "./pending.js";
import { tally, type ResolvedRule } from "./policy.js";

/** A vote as the API takes it. */
export interface VoteInput {
  decision: "approve" | "deny";
  reason?: string;
  /** The approval id of the call the voter was shown: the vote counts only for that exact call. */
  approvalId: string;
}

/** Where a checkpoint stands after a vote. */
export interface VoteResult {
  checkpointId: string;
  approvalId: string;
  status: "pending" | "approved" | "denied";
  /** Distinct principals who approved so far, and how many approvals the call needs. */
  approvals: string[];
  quorum: number;
  /** The vote's seq in the ledger, and the decision's when this vote decided. */
  voteSeq: number;
  decisionSeq?: number;
}

/** A call waiting at a checkpoint, as the server decides on it. */
export interface WaitingCall {
  item: PendingCheckpoint;
  state: RunState;
  checkpoint: Checkpoint;
  rule: ResolvedRule;
  /** Epoch ms when it expires. */
  dueAt: number;
}

/** What `DecisionBook` works with. */
export interface DecisionBookOptions {
  store: PendingSource;
  pending: PendingWatcher;
  ledger: ApprovalLedger;
  rules: (plugin: string, action: string, tier: string) => ResolvedRule;
  decider: Decider;
  events: EventHub;
  logger: Logger;
  now: () => number;
}

const callOf = (checkpoint: Checkpoint | PendingCheckpoint): LedgerCall => ({
  checkpointId: "checkpointId" in checkpoint ? checkpoint.checkpointId : checkpoint.id,
  approvalId: checkpoint.approvalId,
  runId: checkpoint.runId,
  agentId: checkpoint.agentId,
  plugin: checkpoint.plugin,
  action: checkpoint.action,
  tier: checkpoint.tier,
});

/**
 * Records votes and decisions in the ledger and carries decisions out.
 * Every rule is checked against the ledger while its lock is held, so two
 * servers voting at once count each vote once and decide once; only the
 * server whose append recorded a decision resumes the run (or, after a
 * crash, whichever server finds it decided but still paused).
 */
export class DecisionBook {
  readonly #o: DecisionBookOptions;
  readonly #resumer: Resumer;

  constructor(options: DecisionBookOptions) {
    this.#o = options;
    this.#resumer = new Resumer(options);
  }

  /** When a call waiting at a checkpoint expires, in epoch ms. */
  dueAt(item: PendingCheckpoint, rule: ResolvedRule): number {
    const byRule = Date.parse(item.createdAt) + rule.expireAfterMs;
    const byStore = item.expiresAt === undefined ? Infinity : Date.parse(item.expiresAt);
    return Math.min(byRule, byStore);
  }

  /** The call waiting at this checkpoint; `CORTEX_SERVER_ALREADY_DECIDED` or `CORTEX_SERVER_NOT_FOUND` when none is. */
  async waiting(checkpointId: string): Promise<WaitingCall> {
    let item: PendingCheckpoint | undefined;
    let state: RunState | undefined;
    try {
      item = await this.#o.pending.find(checkpointId);
      state = item && (await this.#o.store.load(item.runId));
    } catch (error) {
      throw new UnavailableError(`The run store failed: ${messageOf(error)}`, { cause: error });
    }
    const checkpoint = state?.checkpoint;
    if (!item || state?.status !== "awaiting_approval" || checkpoint?.id !== checkpointId) {
      const decided = (await this.#o.ledger.decisions([checkpointId])).get(checkpointId);
      if (decided?.kind === "decision")
        throw new AlreadyDecidedError(decided.decision, `Checkpoint ${checkpointId} was already ${decided.decision}`);
      throw new NotFoundError(`No checkpoint ${checkpointId} is waiting for a decision`);
    }
    const rule = this.#o.rules(checkpoint.plugin, checkpoint.action, checkpoint.tier);
    return { item, state, checkpoint, rule, dueAt: this.dueAt(item, rule) };
  }

  /** The checkpoint's records in the ledger, counted. */
  async votes(checkpointId: string, approvalId: string) {
    return tally(await this.#o.ledger.history(checkpointId), approvalId);
  }

  /**
   * Records one principal's vote. Refused when the vote names another call
   * than the one waiting, the principal lacks a voting role, approves a
   * call of a run acting for itself where the rule forbids it, voted
   * already, or the checkpoint is decided or expired. A denial decides at
   * once; approvals decide when `quorum` distinct principals approved.
   */
  async vote(principal: Principal, checkpointId: string, input: VoteInput): Promise<VoteResult> {
    const call = await this.waiting(checkpointId);
    const { checkpoint, rule, state } = call;
    if (input.approvalId !== checkpoint.approvalId)
      throw new ApprovalMismatchError(
        `This decision names call ${input.approvalId}, but checkpoint ${checkpointId} waits for call ${checkpoint.approvalId}`,
      );
    const approve = input.decision === "approve";
    if (approve && approvalIdOf(checkpoint.plugin, checkpoint.action, checkpoint.args) !== checkpoint.approvalId)
      throw new ApprovalMismatchError(
        `The parameters stored at checkpoint ${checkpointId} no longer match its approval id`,
      );
    if (!principal.roles.some((role) => rule.roles.includes(role)))
      throw new NotPermittedError(
        `Deciding ${checkpoint.plugin}.${checkpoint.action} (${checkpoint.tier}) needs one of the roles ${rule.roles.join(", ")}`,
      );
    if (approve && !rule.selfApproval && state.principal?.id === principal.id)
      throw new SelfApprovalError(
        `${principal.id} cannot approve a ${checkpoint.tier} call of a run that acts for ${principal.id}: another principal must`,
      );
    if (this.#o.now() >= call.dueAt) {
      await this.#expire(call.item, call.rule);
      throw new CheckpointExpiredError(`Checkpoint ${checkpointId} expired at ${new Date(call.dueAt).toISOString()}`);
    }
    const base = callOf(checkpoint);
    const reason = input.reason?.trim() ? input.reason.trim() : null;
    let counted: string[] = [];
    const records = await this.#o.ledger.append(checkpointId, (history) => {
      const votes = tally(history, checkpoint.approvalId);
      if (votes.decided?.kind === "decision")
        throw new AlreadyDecidedError(
          votes.decided.decision,
          `Checkpoint ${checkpointId} was already ${votes.decided.decision}`,
        );
      if (votes.votes.some((vote) => vote.principal.id === principal.id))
        throw new AlreadyVotedError(`${principal.id} already voted on checkpoint ${checkpointId}; a vote counts once`);
      const vote: VoteEntry = {
        ...base,
        kind: "vote",
        principal: { id: principal.id, roles: [...principal.roles] },
        decision: input.decision,
        reason,
      };
      counted = approve ? [...votes.approvals, principal.id] : votes.approvals;
      if (!approve) return [vote, this.#decision(base, "denied", vote.principal, reason, counted, rule.quorum)];
      if (counted.length >= rule.quorum)
        return [vote, this.#decision(base, "approved", vote.principal, reason, counted, rule.quorum)];
      return [vote];
    });
    const decision = records.find((record) => record.kind === "decision") as CallRecord | undefined;
    const status = decision?.kind === "decision" ? (decision.decision as "approved" | "denied") : "pending";
    this.#o.events.publish({ type: "votes", checkpointId, status });
    this.#o.events.publish({ type: "ledger", seq: records.at(-1)!.seq });
    if (decision) this.#resumer.resume(decision);
    return {
      checkpointId,
      approvalId: checkpoint.approvalId,
      status,
      approvals: counted,
      quorum: rule.quorum,
      voteSeq: records[0]!.seq,
      ...(decision ? { decisionSeq: decision.seq } : {}),
    };
  }

  #decision(
    call: LedgerCall,
    outcome: DecisionEntry["decision"],
    principal: DecisionEntry["principal"],
    reason: string | null,
    approvals: string[],
    quorum: number,
  ): DecisionEntry {
    return { ...call, kind: "decision", principal, decision: outcome, reason, approvals, quorum };
  }

  /** Denies, as expired, every listed checkpoint whose time has come; each is recorded and its run resumed. */
  async expireDue(items: readonly PendingCheckpoint[]): Promise<void> {
    const now = this.#o.now();
    for (const item of items) {
      const rule = this.#o.rules(item.plugin, item.action, item.tier);
      if (this.dueAt(item, rule) > now) continue;
      await this.#expire(item, rule).catch((error: unknown) =>
        this.#o.logger.error("could not expire a checkpoint", {
          checkpointId: item.checkpointId,
          error: messageOf(error),
        }),
      );
    }
  }

  async #expire(item: PendingCheckpoint, rule: ResolvedRule): Promise<void> {
    const due = new Date(this.dueAt(item, rule)).toISOString();
    const records = await this.#o.ledger.append(item.checkpointId, (history) => {
      const votes = tally(history, item.approvalId);
      if (votes.decided) return [];
      const reason = `expired at ${due}: no decision in time`;
      return [this.#decision(callOf(item), "expired", null, reason, votes.approvals, rule.quorum)];
    });
    const decision = records[0];
    if (decision?.kind !== "decision") return;
    this.#o.events.publish({ type: "votes", checkpointId: item.checkpointId, status: "expired" });
    this.#o.events.publish({ type: "ledger", seq: decision.seq });
    this.#resumer.resume(decision);
  }

  /** Carries out decisions recorded for checkpoints still paused (a server stopped between the two, or a resume failed). */
  async recover(items: readonly PendingCheckpoint[]): Promise<void> {
    const due = items.filter((item) => this.#resumer.wants(item.checkpointId));
    if (due.length === 0) return;
    const decided = await this.#o.ledger.decisions(due.map((item) => item.checkpointId));
    for (const record of decided.values()) this.#resumer.resume(record);
  }

  /** Waits for resumes in progress, up to `timeoutMs`. */
  settle(timeoutMs: number): Promise<void> {
    return this.#resumer.settle(timeoutMs);
  }
}
