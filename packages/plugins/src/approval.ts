import { createHash } from "node:crypto";
import { ApprovalDeniedError, ApprovalRequiredError, ForbiddenError } from "./errors.js";
import { type ActionTier } from "./models.js";
import type { Principal } from "./models.js";
import { startLongTimer } from "./long-timer.js";
import { messageOf } from "./redact.js";

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
 * approval never covers a different call.
 */
export function approvalId(plugin: string, action: string, params: unknown): string {
  return createHash("sha256")
    .update(canonicalJson([plugin, action, params ?? {}]))
    .digest("hex");
}

/** The request for one exact call; its id is computed from `params`, which the request then holds. */
export function approvalRequest(
  plugin: string,
  action: string,
  tier: ActionTier,
  params: Record<string, unknown>,
  principal: Principal | undefined,
): ApprovalRequest {
  return { id: approvalId(plugin, action, params), plugin, action, tier, params, ...(principal ? { principal } : {}) };
}

/** What {@link enforceTier} needs from the registry. */
export interface TierGate {
  approver: Approver | undefined;
  authorize: AuthorizePolicy;
  approvalTimeoutMs: number;
}

/** Result of a passed tier check, for logging. */
export interface TierPass {
  request: ApprovalRequest;
  decision: ApprovalDecision;
}

/**
 * Fail-closed tier check for CONFIRM and ADMIN. ADMIN checks the principal
 * first (no approver is bothered for a call that is forbidden anyway), then
 * both tiers need an approval whose id matches this call: the one given,
 * else the approver's. An approver that throws or times out denies.
 */
export async function enforceTier(
  gate: TierGate,
  request: ApprovalRequest,
  principal: Principal | undefined,
  given: Approval | undefined,
  signal?: AbortSignal,
): Promise<TierPass> {
  if (request.tier === "ADMIN") await checkPrincipal(gate, request, principal, signal);
  let mismatch = "";
  if (given !== undefined) {
    if (given.id === request.id) {
      if (given.approved === true) return { request, decision: given };
      throw new ApprovalDeniedError(request, given.reason, given.decidedBy);
    }
    mismatch = " (the approval given was for different parameters)";
  }
  if (!gate.approver) throw new ApprovalRequiredError(request, mismatch);
  let decision: unknown;
  try {
    decision = await withTimeout(gate.approver(request), gate.approvalTimeoutMs, undefined, signal);
  } catch (error) {
    throw new ApprovalDeniedError(request, `approver failed: ${messageOf(error)}`, undefined, error);
  }
  if (typeof decision !== "object" || decision === null) {
    throw new ApprovalDeniedError(request, "approver returned no decision");
  }
  const d = decision as ApprovalDecision;
  if (d.approved !== true) throw new ApprovalDeniedError(request, d.reason, d.decidedBy);
  return { request, decision: d };
}

/**
 * The ADMIN principal check: resolves when the gate's authorize policy says
 * yes (exactly `true`, within the approval time limit); otherwise rejects
 * with `CORTEX_FORBIDDEN` — no principal, a refusal, a policy that throws or
 * does not answer.
 */
export async function checkPrincipal(
  gate: TierGate,
  request: ApprovalRequest,
  principal: Principal | undefined,
  signal?: AbortSignal,
): Promise<void> {
  if (!principal) throw new ForbiddenError(request, undefined, "no principal was given");
  let allowed: boolean;
  try {
    allowed =
      (await withTimeout(gate.authorize(principal, request), gate.approvalTimeoutMs, undefined, signal)) === true;
  } catch (error) {
    throw new ForbiddenError(request, principal.id, `authorize policy failed: ${messageOf(error)}`, error);
  }
  if (!allowed) throw new ForbiddenError(request, principal.id, `principal "${principal.id}" is not authorized`);
}

/**
 * Resolves like `value`, or rejects after `ms` with `onTimeout()` (default:
 * "no answer within … ms"); the timer never outlives the race. `ms` is a
 * number > 0 or `Infinity`, which sets no timer at all. Limits above
 * 2^31 - 1 ms (which `setTimeout` would run after 1 ms) wait in chained
 * steps of at most that long. When `signal` aborts, the wait ends at once
 * (rejecting with the signal's reason) and the timer is cleared, so it never
 * keeps a process alive for a call nobody waits for.
 */
export function withTimeout<T>(
  value: T | PromiseLike<T>,
  ms: number,
  onTimeout?: () => Error,
  signal?: AbortSignal,
): Promise<T> {
  if (!isThenable(value)) return Promise.resolve(value);
  return new Promise<T>((resolve, reject) => {
    let cancel = (): void => undefined;
    const onAbort = () => {
      cancel();
      const reason: unknown = signal?.reason;
      reject(reason instanceof Error ? reason : new Error("the wait was aborted"));
    };
    if (signal?.aborted) return onAbort();
    signal?.addEventListener("abort", onAbort, { once: true });
    cancel = startLongTimer(ms, () => reject(onTimeout ? onTimeout() : new Error(`no answer within ${ms} ms`)));
    const fail = (e: unknown) => {
      cancel();
      signal?.removeEventListener("abort", onAbort);
      reject(e instanceof Error ? e : new Error(messageOf(e)));
    };
    try {
      value.then((v) => {
        cancel();
        signal?.removeEventListener("abort", onAbort);
        resolve(v);
      }, fail);
    } catch (error) {
      fail(error); // a `then` that throws
    }
  });
}

/** True for promises and promise-like values. */
export function isThenable<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return (
    (typeof value === "object" || typeof value === "function") &&
    value !== null &&
    typeof (value as { then?: unknown }).then === "function"
  );
}
