import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { HookBus, silentLogger, type Extension, type HookName } from "../src/index.js";

type Behaviour = "sync" | "async" | "throw" | "reject" | "rejectLater" | "hang";
const BEHAVIOURS: readonly Behaviour[] = ["sync", "async", "throw", "reject", "rejectLater", "hang"];
const HOOKS = ["runStarted", "stepStarted", "shutdown"] as const satisfies readonly HookName[];
type TestHook = (typeof HOOKS)[number];

interface Spec {
  name: string;
  behaviour: Behaviour;
  hooks: TestHook[];
}

const specArb = fc.record({
  behaviour: fc.constantFrom(...BEHAVIOURS),
  hooks: fc.subarray([...HOOKS], { minLength: 1 }),
});

const scenarioArb = fc.record({
  specs: fc
    .array(specArb, { minLength: 1, maxLength: 8 })
    .map((specs) => specs.map((s, i) => ({ ...s, name: `ext-${i}` }))),
  order: fc.array(fc.nat(), { maxLength: 8 }),
  emits: fc.array(fc.constantFrom(...HOOKS), { maxLength: 25 }),
});

/** Deterministic shuffle driven by the generated numbers, so failures shrink. */
function shuffle<T>(items: T[], keys: number[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = (keys[i] ?? 0) % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

function makeExtension(spec: Spec, log: { seq: number; name: string }[]): Extension {
  const handler = (event: { seq?: number }): void | Promise<void> => {
    log.push({ seq: event.seq!, name: spec.name });
    switch (spec.behaviour) {
      case "sync":
        return;
      case "async":
        return new Promise<void>((resolve) => setTimeout(resolve, 1));
      case "throw":
        throw new Error(`${spec.name} throws`);
      case "reject":
        return Promise.reject(new Error(`${spec.name} rejects`));
      case "rejectLater":
        return new Promise<void>((_, reject) => setTimeout(() => reject(new Error("later")), 2));
      case "hang":
        return new Promise<void>(() => undefined);
    }
  };
  const extension: Record<string, unknown> = { name: spec.name };
  for (const hook of spec.hooks) extension[`on${hook[0]!.toUpperCase()}${hook.slice(1)}`] = handler;
  return extension as Extension;
}

function eventFor(hook: TestHook, seq: number): object {
  switch (hook) {
    case "runStarted":
      return { agentId: "a", runId: "r", input: null, seq };
    case "stepStarted":
      return { runId: "r", stepIndex: seq, seq };
    case "shutdown":
      return { seq };
  }
}

// A fixed seed in CI, so a failure there reproduces; a fresh one elsewhere, logged so it can be replayed.
const seed = process.env.CI ? 0x5eed_b005 : Math.floor(Math.random() * 2 ** 31);
console.log(`bus.property: fast-check seed ${seed}`);

describe("HookBus under random extensions and emits", () => {
  it("never throws, delivers in order, and counts and reports exactly", async () => {
    await fc.assert(
      fc.asyncProperty(scenarioArb, async ({ specs, order, emits }) => {
        const log: { seq: number; name: string }[] = [];
        const bus = new HookBus({ logger: silentLogger });
        const registered = shuffle(specs, order);
        for (const spec of registered) bus.register(makeExtension(spec, log));

        emits.forEach((hook, seq) => {
          expect(() => bus.emit(hook, eventFor(hook, seq) as never)).not.toThrow();
        });

        // Every implementer got every event of its hooks, in emit order, and
        // within one emit the implementers ran in registration order.
        const expected = emits.flatMap((hook, seq) =>
          registered.filter((s) => s.hooks.includes(hook)).map((s) => ({ seq, name: s.name })),
        );
        expect(log).toEqual(expected);

        const report = await bus.flush(30);
        const calls = (spec: Spec): number => emits.filter((hook) => spec.hooks.includes(hook)).length;

        const counts = bus.errorCounts();
        for (const spec of specs) {
          const failing = spec.behaviour === "throw" || spec.behaviour === "reject" || spec.behaviour === "rejectLater";
          expect(counts.byExtension[spec.name]).toBe(failing ? calls(spec) : 0);
        }
        expect(counts.total).toBe(Object.values(counts.byExtension).reduce((a, b) => a + b, 0));

        const expectedTimedOut = registered
          .filter((s) => s.behaviour === "hang")
          .flatMap((s) =>
            HOOKS.filter((h) => s.hooks.includes(h))
              .map((hook) => ({ hook, extension: s.name, count: emits.filter((e) => e === hook).length }))
              .filter((entry) => entry.count > 0),
          );
        const sortKey = (e: { hook: string; extension: string }): string => `${e.extension}/${e.hook}`;
        expect([...report.timedOut].sort((a, b) => sortKey(a).localeCompare(sortKey(b)))).toEqual(
          expectedTimedOut.sort((a, b) => sortKey(a).localeCompare(sortKey(b))),
        );
        expect(bus.pendingCount).toBe(expectedTimedOut.reduce((n, e) => n + e.count, 0));
        const asyncSettled = registered
          .filter((s) => s.behaviour === "async" || s.behaviour === "reject" || s.behaviour === "rejectLater")
          .reduce((n, s) => n + calls(s), 0);
        expect(report.settled).toBe(asyncSettled);
      }),
      { numRuns: 80, seed },
    );
  });
});
