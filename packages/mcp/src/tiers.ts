import { ActionTier } from "@cortex/plugins";

/** The hints of an MCP tool's `annotations` that tiers read. Untrusted: a server says what it likes. */
export interface ToolHints {
  readonly readOnlyHint?: unknown;
  readonly destructiveHint?: unknown;
}

/** What decides a tool's tier (see {@link tierForTool}). */
export interface TierRules {
  /** Explicit tiers by MCP tool name (or by action name); an entry always wins. */
  readonly tiers?: Readonly<Record<string, ActionTier>> | undefined;
  /** Tier of every tool without an entry that does not qualify for AUTO. */
  readonly defaultTier: ActionTier;
  /** Whether annotations may make a tool AUTO at all. */
  readonly trustAnnotations: boolean;
}

const RANK: Record<ActionTier, number> = { AUTO: 0, CONFIRM: 1, ADMIN: 2 };

/**
 * A tool's tier, failing closed: an explicit `tiers` entry (by tool name,
 * then by action name) wins; otherwise `readOnlyHint: true` without
 * `destructiveHint: true` is AUTO when the host trusts annotations; every
 * other tool gets `defaultTier`.
 */
export function tierForTool(
  toolName: string,
  actionName: string,
  hints: ToolHints | undefined,
  rules: TierRules,
): ActionTier {
  const explicit = rules.tiers?.[toolName] ?? rules.tiers?.[actionName];
  if (explicit !== undefined) return explicit;
  if (rules.trustAnnotations && hints?.readOnlyHint === true && hints.destructiveHint !== true) return ActionTier.AUTO;
  return rules.defaultTier;
}

/** The stricter of two tiers (AUTO < CONFIRM < ADMIN). */
export function stricterTier(a: ActionTier, b: ActionTier): ActionTier {
  return RANK[a] >= RANK[b] ? a : b;
}

/** True when `a` asks for more than `b`. */
export function isStricter(a: ActionTier, b: ActionTier): boolean {
  return RANK[a] > RANK[b];
}

/** True for `"AUTO"`, `"CONFIRM"` and `"ADMIN"`. */
export function isTier(value: unknown): value is ActionTier {
  return typeof value === "string" && Object.hasOwn(RANK, value);
}
