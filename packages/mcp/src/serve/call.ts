import { randomUUID } from "node:crypto";
import {
  approvalId,
  canonicalJson,
  type Approval,
  type PluginRegistry,
  type PluginResult,
  type Principal,
} from "@cortex/plugins";
import { isCortexError, isPlainObject, messageOf, toErrorInfo, type Logger } from "@cortex/primitives";
import type { CallToolResult, ElicitRequestFormParams, ElicitResult } from "@modelcontextprotocol/sdk/types.js";
import type { SessionHooks } from "./hooks.js";
import type { ServedTool } from "./tools.js";

/** What answering one tool call needs from its session. */
export interface CallContext {
  readonly registry: PluginRegistry;
  readonly hooks: SessionHooks;
  readonly logger: Logger;
  /** The principal configured for the server: ADMIN tools run only when the registry authorizes it. */
  readonly principal: Principal | undefined;
  /** Name of the connected client, for `decidedBy`. */
  readonly clientName: () => string;
  /** Whether the client declared form elicitation. */
  readonly canElicit: () => boolean;
  /** Asks the user through the client. */
  readonly elicit: (params: ElicitRequestFormParams, signal: AbortSignal) => Promise<ElicitResult>;
}

/** A refusal that becomes an `isError` result (never a protocol error: the model should read why). */
class Refused extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const APPROVE_SCHEMA: ElicitRequestFormParams["requestedSchema"] = {
  type: "object",
  properties: {
    approve: { type: "boolean", title: "Approve", description: "Run this exact call", default: false },
  },
  required: ["approve"],
};

/**
 * Answers one `tools/call` through the registry's whole gate: validation,
 * the principal check for ADMIN, an elicitation for CONFIRM and ADMIN (the
 * approval handed to `execute` is bound to this exact call's id), then
 * `execute`. Hooks fire for every call; every refusal is an `isError`
 * result naming its code.
 */
export async function answerCall(
  ctx: CallContext,
  tool: ServedTool,
  rawArgs: unknown,
  signal: AbortSignal,
): Promise<CallToolResult> {
  const callId = randomUUID();
  // One copy, read once: what is shown, approved and run is the same data.
  const params: unknown = rawArgs === undefined ? {} : isPlainObject(rawArgs) ? structuredClone(rawArgs) : rawArgs;
  const started = Date.now();
  ctx.hooks.toolCalled(tool.name, params, callId);
  try {
    ctx.registry.validate(tool.plugin, tool.action, params);
    let approval: Approval | undefined;
    if (tool.tier !== "AUTO") {
      await ctx.registry.authorize(tool.plugin, tool.action, params, ctx.principal);
      approval = await askApproval(ctx, tool, params as Record<string, unknown>, signal);
    }
    const result = await ctx.registry.execute(tool.plugin, tool.action, params, {
      ...(approval ? { approval } : {}),
      ...(ctx.principal ? { principal: ctx.principal } : {}),
      signal,
      callId,
    });
    if (result.success) {
      ctx.hooks.toolCompleted(tool.name, result.data, Date.now() - started, callId);
      return successContent(result);
    }
    const code = result.code ?? "CORTEX_PLUGIN_ERROR";
    const message = result.error ?? "the action failed";
    ctx.hooks.toolFailed(tool.name, { code, message }, callId);
    return errorContent(code, message, result.data);
  } catch (error) {
    const info = error instanceof Refused ? { code: error.code, message: error.message } : toErrorInfo(error);
    if (!(error instanceof Refused) && !isCortexError(error))
      ctx.logger.error(`MCP call "${tool.name}" failed: ${info.message}`);
    ctx.hooks.toolFailed(tool.name, { code: info.code, message: info.message }, callId);
    return errorContent(info.code, info.message, info.issues ? { issues: info.issues } : undefined);
  }
}

async function askApproval(
  ctx: CallContext,
  tool: ServedTool,
  params: Record<string, unknown>,
  signal: AbortSignal,
): Promise<Approval> {
  if (!ctx.canElicit()) {
    throw new Refused(
      "CORTEX_MCP_APPROVAL_UNAVAILABLE",
      `"${tool.name}" is a ${tool.tier} tool: it runs only after a person approves this exact call, and this MCP client does not support elicitation (form mode), so nobody can be asked. Use a client that supports elicitation, or run the action through Cortex with an approver.`,
    );
  }
  const id = approvalId(tool.plugin, tool.action, params);
  ctx.hooks.checkpointCreated(id, `approval required for ${tool.name} (${tool.tier})`);
  let answer: ElicitResult | undefined;
  let failure: string | undefined;
  try {
    answer = await ctx.elicit(
      { mode: "form", message: await approvalMessage(ctx, tool, params, id), requestedSchema: APPROVE_SCHEMA },
      signal,
    );
  } catch (error) {
    failure = messageOf(error);
  }
  const approved = answer?.action === "accept" && answer.content?.approve === true;
  const decidedBy = `mcp-client:${ctx.clientName()}`;
  const reason = approved
    ? undefined
    : failure !== undefined
      ? `the approval request failed: ${failure}`
      : answer?.action === "accept"
        ? "the form was submitted without approving"
        : `the user chose "${answer?.action ?? "cancel"}"`;
  ctx.hooks.checkpointResolved(id, { approved, decidedBy, ...(reason ? { reason } : {}) });
  if (!approved)
    throw new Refused(
      "CORTEX_APPROVAL_DENIED",
      `"${tool.name}" was not approved: ${reason ?? "denied"}; it did not run`,
    );
  return { id, approved: true, decidedBy };
}

/** What the user is shown: the exact call (tool, tier, every parameter) and, when the plugin has one, its preview. */
async function approvalMessage(
  ctx: CallContext,
  tool: ServedTool,
  params: Record<string, unknown>,
  id: string,
): Promise<string> {
  const lines = [
    `Approve this call? Nothing runs unless you approve.`,
    ``,
    `Tool: ${tool.name} (tier ${tool.tier})`,
    `Parameters (exactly as they will run):`,
    JSON.stringify(JSON.parse(canonicalJson(params)), null, 2),
  ];
  const preview = await previewOf(ctx, tool, params);
  if (preview !== undefined) lines.push(``, preview);
  lines.push(``, `Approval id: ${id}`);
  return lines.join("\n");
}

async function previewOf(
  ctx: CallContext,
  tool: ServedTool,
  params: Record<string, unknown>,
): Promise<string | undefined> {
  const registry = ctx.registry as PluginRegistry & {
    preview?: (p: string, a: string, params: unknown) => Promise<unknown>;
  };
  if (!("preview" in registry) || typeof registry.preview !== "function") return undefined;
  try {
    const preview = await registry.preview(tool.plugin, tool.action, params);
    if (!isPlainObject(preview)) return undefined;
    const parts = [typeof preview.summary === "string" ? `Preview: ${preview.summary}` : undefined];
    if (typeof preview.diff === "string") parts.push(preview.diff);
    if (preview.details !== undefined) parts.push(JSON.stringify(preview.details, null, 2));
    return parts.filter((p) => p !== undefined).join("\n");
  } catch (error) {
    return `Preview unavailable: ${messageOf(error)}`;
  }
}

function successContent(result: PluginResult): CallToolResult {
  const data = result.data ?? null;
  return {
    content: [{ type: "text", text: typeof data === "string" ? data : JSON.stringify(data) }],
    ...(isPlainObject(data) ? { structuredContent: data } : {}),
  };
}

function errorContent(code: string, message: string, data?: unknown): CallToolResult {
  return {
    isError: true,
    content: [{ type: "text", text: `[${code}] ${message}` }],
    structuredContent: { code, error: message, ...(data === undefined ? {} : { data }) },
  };
}
