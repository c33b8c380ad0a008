import { createHash } from "node:crypto";
import { messageOf, withDeadline, type Logger } from "@cortex/primitives";
import { ApprovalDeniedError, ApprovalRequiredError, ForbiddenError, ValidationError } from "./errors.js";
import type { ActionTier, Principal } from "./models.js";
import { readParams } from "./validation.js";

/** What an approver (or a human) is asked to approve: one exact call. */
export interface ApprovalRequest {
  /** Stable id of this exact call: see {@link approvalId}. */
  readonly id: string;
  readonly plugin: string;
  readonly action: string;
  readonly tier: ActionTier;
  /** The validated parameters, as they will be passed to the plugin. */
  readonly params: Readonly<Record<string, unknown>>;
  /** The principal of the call, when given. */
  readonly principal?: Principal;
}

/** An approver's answer; the same shape as a checkpoint decision in `@cortex/core`. */
export interface ApprovalDecision {
  readonly approved: boolean;
  readonly decidedBy?: string;
  readonly reason?: string;
}

/** An approval passed in `execute` options; counts only when `id` matches the call. */
export interface Approval extends ApprovalDecision {
  readonly id: string;
}

/** Asked for CONFIRM and ADMIN calls that came without a matching approval. */
export type Approver = (request: ApprovalRequest) => ApprovalDecision | PromiseLike<ApprovalDecision>;

/** Decides whether a principal may run an ADMIN call (after its approval is checked). */
export type AuthorizePolicy = (principal: Principal, request: ApprovalRequest) => boolean | PromiseLike<boolean>;

/** Default ADMIN policy: the principal's roles include `"admin"`. */
export const defaultAuthorize: AuthorizePolicy = (principal) =>
  Array.isArray(principal.roles) && principal.roles.includes("admin");

/**
 * JSON with object keys sorted at every depth, so equal params give equal
 * text whatever order their keys were written in. `undefined` properties are
 * left out, as `JSON.stringify` does.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v !== "object" || v === null || Array.isArray(v)) return v;
    const sorted: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) sorted[k] = (v as Record<string, unknown>)[k];
    return sorted;
  });
}

/**
 * Stable id of one exact call: hex sha256 of plugin, action and the
 * canonical JSON of params. Changing any param changes the id, so an
 * approval never covers a different call. Params are read as `execute` reads
 * them: those it refuses (values JSON cannot tell apart, such as `-0` and
 * `0` or an `undefined` array item and `null`; see `readParams`) have no id,
 * and this throws the same `CORTEX_VALIDATION_FAILED`. `null` or `undefined`
 * params stand for `{}`.
 */
export function approvalId(plugin: string, action: string, params: unknown): string {
  const read = readParams(params ?? {});
  if ("issues" in read) throw new ValidationError(plugin, action, read.issues);
  return idOf(plugin, action, read.value);
}

/** The id of params already read by `readParams`. */
function idOf(plugin: string, action: string, params: Record<string, unknown>): string {
  return createHash("sha256")
    .update(canonicalJson([plugin, action, params]))
    .digest("hex");
}

/** The request for one exact call; `params` must be a `readParams` copy, which the request then holds. */
export function approvalRequest(
  plugin: string,
  action: string,
  tier: ActionTier,
  params: Record<string, unknown>,
  principal: Principal | undefined,
): ApprovalRequest {
  return { id: idOf(plugin, action, params), plugin, action, tier, params, ...(principal ? { principal } : {}) };
}

/** What {@link enforceTier} needs from the registry. */
export interface TierGate {
  approver: Approver | undefined;
  authorize: AuthorizePolicy;
  approvalTimeoutMs: number;
}

/**
 * Fail-closed tier check for CONFIRM and ADMIN; resolves to the decision
 * that let the call through. ADMIN checks the principal first (no approver
 * is bothered for a call that is forbidden anyway), then both tiers need an
 * approval whose id matches this call: the one given, else the approver's.
 * An approver that throws or does not answer within the limit denies. When
 * `signal` aborts, the approver's and the policy's waits end at once, their
 * timers cleared.
 */
export async function enforceTier(
  gate: TierGate,
  request: ApprovalRequest,
  given: Approval | undefined,
  signal: AbortSignal,
): Promise<ApprovalDecision> {
  if (request.tier === "ADMIN") await checkPrincipal(gate, request, signal);
  let mismatch = "";
  if (given !== undefined) {
    if (given.id === request.id) {
      if (given.approved === true) return given;
      throw new ApprovalDeniedError(request, given.reason, given.decidedBy);
    }
    mismatch = " (the approval given was for different parameters)";
  }
  const approver = gate.approver;
  if (!approver) throw new ApprovalRequiredError(request, mismatch);
  let decision: unknown;
  try {
    decision = await answerOf(gate, () => approver(request), signal);
  } catch (error) {
    if (signal.aborted) throw error;
    throw new ApprovalDeniedError(request, `approver failed: ${messageOf(error)}`, undefined, error);
  }
  if (typeof decision !== "object" || decision === null) {
    throw new ApprovalDeniedError(request, "approver returned no decision");
  }
  const d = decision as ApprovalDecision;
  if (d.approved !== true) throw new ApprovalDeniedError(request, d.reason, d.decidedBy);
  return d;
}

/**
 * The ADMIN principal check: resolves when the gate's authorize policy says
 * yes (exactly `true`, within the approval time limit); otherwise rejects
 * with `CORTEX_FORBIDDEN`: no principal, a refusal, a policy that throws or
 * does not answer.
 */
export async function checkPrincipal(gate: TierGate, request: ApprovalRequest, signal?: AbortSignal): Promise<void> {
  const principal = request.principal;
  if (!principal) throw new ForbiddenError(request, undefined, "no principal was given");
  let allowed: unknown;
  try {
    allowed = await answerOf(gate, () => gate.authorize(principal, request), signal);
  } catch (error) {
    if (signal?.aborted) throw error;
    throw new ForbiddenError(request, principal.id, `authorize policy failed: ${messageOf(error)}`, error);
  }
  if (allowed !== true)
    throw new ForbiddenError(request, principal.id, `principal "${principal.id}" is not authorized`);
}

/** The answer of an approver or policy, within the approval time limit and until `signal` aborts. */
function answerOf<T>(gate: TierGate, ask: () => T | PromiseLike<T>, signal: AbortSignal | undefined): Promise<T> {
  return withDeadline(ask, {
    timeoutMs: gate.approvalTimeoutMs,
    ...(signal === undefined ? {} : { signal }),
    timeoutError: (ms) => new Error(`no answer within ${ms} ms`),
    abortError: (reason) => reason,
  });
}

/**
 * The tier check of one CONFIRM or ADMIN call (see {@link enforceTier}),
 * logged when it passes. The request holds a copy of `params`: what an
 * approver or policy does to it cannot change the call that runs.
 */
export async function approveCall(
  gate: TierGate,
  logger: Logger,
  action: { readonly plugin: string; readonly name: string; readonly tier: ActionTier },
  params: Record<string, unknown>,
  options: { readonly principal?: Principal | undefined; readonly approval?: Approval | undefined },
  signal: AbortSignal,
): Promise<void> {
  const { plugin, name, tier } = action;
  const request = approvalRequest(plugin, name, tier, structuredClone(params), options.principal);
  const decision = await enforceTier(gate, request, options.approval, signal);
  logger.info(`approved "${plugin}.${name}"`, {
    plugin,
    action: name,
    tier,
    approvalId: request.id,
    decidedBy: decision.decidedBy,
    principal: options.principal?.id,
  });
}
