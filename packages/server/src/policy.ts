import { InvalidOptionsError, isPlainObject } from "@cortex/primitives";
import { SERVER_DEFAULTS } from "./defaults.js";
import type { CallRecord } from "./ledger/record.js";

/** How a call is decided; every field is optional and overrides the one it is layered on. */
export interface ApprovalRule {
  /** Approvals needed, each from a distinct principal. */
  quorum?: number;
  /** Roles of which a principal needs one to vote (approve or deny). */
  roles?: string[];
  /** How long the call may wait before it is denied as expired, in ms. */
  expireAfterMs?: number;
  /** Whether the principal the run acts for may approve it. Honoured for CONFIRM only: never for ADMIN. Default true. */
  selfApproval?: boolean;
}

/**
 * Who decides which calls. Rules are layered: the tier's (`confirm` or
 * `admin`), then a rule keyed by plugin (`"files"`), then by plugin and
 * action (`"files.delete"`). Defaults: CONFIRM needs 1 approval from a
 * principal with the `approver` or `admin` role; ADMIN needs 2, from
 * distinct principals with the `admin` role; both expire after 24 hours.
 */
export interface ApprovalPolicy {
  confirm?: ApprovalRule;
  admin?: ApprovalRule;
  /** Rules keyed by `"<plugin>"` or `"<plugin>.<action>"`. */
  rules?: Record<string, ApprovalRule>;
}

/** The rule that applies to one call, every field filled in. */
export interface ResolvedRule {
  quorum: number;
  roles: string[];
  expireAfterMs: number;
  selfApproval: boolean;
}

function checkRule(rule: unknown, where: string): ApprovalRule {
  if (!isPlainObject(rule)) throw new InvalidOptionsError(where, `${where} must be an object`);
  const { quorum, roles, expireAfterMs, selfApproval } = rule;
  if (quorum !== undefined && (!Number.isInteger(quorum) || (quorum as number) < 1 || (quorum as number) > 100))
    throw new InvalidOptionsError(`${where}.quorum`, `${where}.quorum must be a whole number from 1 to 100`);
  if (
    roles !== undefined &&
    (!Array.isArray(roles) || roles.length === 0 || !roles.every((r) => typeof r === "string" && r !== ""))
  )
    throw new InvalidOptionsError(`${where}.roles`, `${where}.roles must be a non-empty list of role names`);
  if (expireAfterMs !== undefined && (typeof expireAfterMs !== "number" || !(expireAfterMs > 0)))
    throw new InvalidOptionsError(
      `${where}.expireAfterMs`,
      `${where}.expireAfterMs must be a number of ms > 0 (or Infinity)`,
    );
  if (selfApproval !== undefined && typeof selfApproval !== "boolean")
    throw new InvalidOptionsError(`${where}.selfApproval`, `${where}.selfApproval must be true or false`);
  return rule;
}

const defined = (rule: ApprovalRule | undefined): ApprovalRule =>
  Object.fromEntries(Object.entries(rule ?? {}).filter(([, value]) => value !== undefined));

/** Checks a policy once and returns the function that resolves the rule of each call. */
export function compilePolicy(
  policy: ApprovalPolicy = {},
): (plugin: string, action: string, tier: string) => ResolvedRule {
  if (!isPlainObject(policy)) throw new InvalidOptionsError("policy", "policy must be an object");
  const confirm = policy.confirm === undefined ? {} : checkRule(policy.confirm, "policy.confirm");
  const admin = policy.admin === undefined ? {} : checkRule(policy.admin, "policy.admin");
  const rules = new Map<string, ApprovalRule>();
  if (policy.rules !== undefined) {
    if (!isPlainObject(policy.rules)) throw new InvalidOptionsError("policy.rules", "policy.rules must be an object");
    for (const [key, rule] of Object.entries(policy.rules)) {
      if (!/^[^.\s]+(\.[^.\s]+)?$/.test(key))
        throw new InvalidOptionsError(
          `policy.rules`,
          `policy.rules key ${JSON.stringify(key)} must be "<plugin>" or "<plugin>.<action>"`,
        );
      rules.set(key, checkRule(rule, `policy.rules["${key}"]`));
    }
  }
  const base = {
    confirm: {
      quorum: SERVER_DEFAULTS.confirmQuorum,
      roles: [...SERVER_DEFAULTS.confirmRoles],
      expireAfterMs: SERVER_DEFAULTS.expireAfterMs,
      selfApproval: true,
    },
    admin: {
      quorum: SERVER_DEFAULTS.adminQuorum,
      roles: [...SERVER_DEFAULTS.adminRoles],
      expireAfterMs: SERVER_DEFAULTS.expireAfterMs,
      selfApproval: false,
    },
  };
  return (plugin, action, tier) => {
    // A tier this server does not know is decided like ADMIN: the strictest rule.
    const isConfirm = tier === "CONFIRM";
    const rule: ResolvedRule = {
      ...(isConfirm ? base.confirm : base.admin),
      ...defined(isConfirm ? confirm : admin),
      ...defined(rules.get(plugin)),
      ...defined(rules.get(`${plugin}.${action}`)),
    };
    if (!isConfirm) rule.selfApproval = false;
    return rule;
  };
}

/** Where a checkpoint's votes stand. */
export interface Tally {
  /** The decision record, once there is one. */
  decided?: CallRecord;
  /** Votes for this exact call, oldest first. */
  votes: Extract<CallRecord, { kind: "vote" }>[];
  /** Distinct principals who approved. */
  approvals: string[];
}

/** Counts a checkpoint's records: only votes bound to `approvalId` count. */
export function tally(history: readonly CallRecord[], approvalId: string): Tally {
  const result: Tally = { votes: [], approvals: [] };
  for (const record of history) {
    if (record.kind === "decision") {
      result.decided ??= record;
      continue;
    }
    if (record.approvalId !== approvalId) continue;
    result.votes.push(record);
    if (record.decision === "approve" && !result.approvals.includes(record.principal.id))
      result.approvals.push(record.principal.id);
  }
  return result;
}
