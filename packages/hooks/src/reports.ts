import type { HookName } from "./hooks.js";

/** Hook calls of one extension whose promises have not settled yet. */
export interface PendingHook {
  readonly hook: HookName;
  readonly extension: string;
  /** How many of this extension's calls of this hook are still pending. */
  readonly count: number;
}

/** What `flush()` resolves to; it never rejects. */
export interface FlushReport {
  /** Hook promises that settled (fulfilled or rejected) while flush waited. */
  readonly settled: number;
  /** Hooks still pending at the deadline, one entry per hook and extension, oldest first. */
  readonly timedOut: readonly PendingHook[];
}

/** Hook failures (throws and rejections) counted since the bus was created. */
export interface HookErrorCounts {
  readonly total: number;
  /** Per extension name; every registered extension appears, with 0 if it never failed. */
  readonly byExtension: Readonly<Record<string, number>>;
  /** Per hook; only hooks that failed at least once appear. */
  readonly byHook: Readonly<Partial<Record<HookName, number>>>;
}
