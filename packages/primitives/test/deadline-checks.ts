// Checks every deadline of primitives must pass: written once, run against withDeadline and DeadlineSeries.
import { expect, vi } from "vitest";
import { MAX_TIMER_MS, TimeoutError } from "../src/index.js";

/** Work that never settles. */
export const never = <T = never>(): Promise<T> => new Promise<T>(() => undefined);

/** Races work that rejects only after its 5 ms deadline (through `race`), and checks that late rejection is handled. */
export async function expectLateRejectionHandled(race: (work: Promise<never>) => Promise<unknown>): Promise<void> {
  vi.useFakeTimers();
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  process.on("unhandledRejection", onUnhandled);
  let fail!: (e: Error) => void;
  const running = race(new Promise<never>((_, reject) => (fail = reject)));
  vi.advanceTimersByTime(5);
  await expect(running).rejects.toBeInstanceOf(TimeoutError);
  fail(new Error("late"));
  vi.useRealTimers();
  await new Promise((r) => setImmediate(r));
  process.off("unhandledRejection", onUnhandled);
  expect(unhandled).toEqual([]);
}

/** Checks that `race`, given a limit of 2^31-1 ms plus 5 s, expires then, not at 2^31-1 ms nor at once. */
export async function expectLongLimitHonoured(race: (work: Promise<never>) => Promise<unknown>): Promise<void> {
  vi.useFakeTimers();
  let state = "pending";
  race(never()).catch(() => (state = "expired"));
  await vi.advanceTimersByTimeAsync(MAX_TIMER_MS);
  expect(state).toBe("pending");
  await vi.advanceTimersByTimeAsync(5000);
  expect(state).toBe("expired");
}
