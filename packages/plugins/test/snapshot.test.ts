import { describe, expect, it } from "vitest";
import { ActionTier, approvalId, type ApprovalRequest } from "../src/index.js";
import { snapshotParams } from "../src/snapshot.js";
import { makePlugin, makeRegistry, sleep } from "./fixtures.js";

const transfer = {
  name: "transfer",
  description: "moves money",
  tier: ActionTier.CONFIRM,
  parameters: {
    type: "object",
    properties: { to: { type: "string" }, amount: { type: "number", maximum: 100 } },
    required: ["to", "amount"],
    additionalProperties: false,
  },
};

describe("params between validation and the call", () => {
  it("a CONFIRM call runs exactly the params approved, whatever the caller changes meanwhile", async () => {
    const plugin = makePlugin({ actions: [transfer] });
    const { registry } = makeRegistry();
    registry.register(plugin);
    const params: Record<string, unknown> = { to: "alice", amount: 10 };
    const pending = registry.execute("test", "transfer", params, {
      approval: { id: approvalId("test", "transfer", params), approved: true },
    });
    params.to = "mallory";
    params.amount = 1_000_000;
    await expect(pending).resolves.toMatchObject({ success: true });
    expect(plugin.calls).toEqual([{ action: "transfer", params: { to: "alice", amount: 10 } }]);
  });

  it("an approver that changes the request it is shown changes nothing", async () => {
    const plugin = makePlugin({ actions: [transfer] });
    const { registry } = makeRegistry({
      approver: async (request: ApprovalRequest) => {
        (request.params as Record<string, unknown>).amount = 999;
        await sleep(1);
        return { approved: true };
      },
    });
    registry.register(plugin);
    await registry.execute("test", "transfer", { to: "bob", amount: 5 });
    expect(plugin.calls).toEqual([{ action: "transfer", params: { to: "bob", amount: 5 } }]);
  });

  it("an AUTO call waiting for lazy setup runs the params validated, not later changes", async () => {
    const auto = { ...transfer, name: "pay", tier: ActionTier.AUTO };
    const plugin = makePlugin({
      actions: [auto],
      async setup() {
        await sleep(20);
      },
    });
    const { registry } = makeRegistry();
    registry.register(plugin);
    const params: Record<string, unknown> = { to: "alice", amount: 10 };
    const pending = registry.execute("test", "pay", params);
    params.amount = 1_000_000;
    await pending;
    expect(plugin.calls).toEqual([{ action: "pay", params: { to: "alice", amount: 10 } }]);
  });

  it("reads a getter once, and validates the value read", async () => {
    const plugin = makePlugin({ actions: [transfer] });
    const { registry } = makeRegistry({ approver: () => ({ approved: true }) });
    registry.register(plugin);
    let reads = 0;
    const params = {
      to: "alice",
      get amount() {
        reads++;
        return reads === 1 ? 10 : 1_000_000;
      },
    };
    await expect(registry.execute("test", "transfer", params)).resolves.toMatchObject({ success: true });
    expect(reads).toBe(1);
    expect(plugin.calls).toEqual([{ action: "transfer", params: { to: "alice", amount: 10 } }]);
  });

  it("refuses params that are not JSON data before anyone is asked, with every issue", async () => {
    const open = { ...transfer, parameters: { type: "object" } };
    const plugin = makePlugin({ actions: [open] });
    let asked = 0;
    const { registry } = makeRegistry({ approver: () => (asked++, { approved: true }) });
    registry.register(plugin);
    const approved = { title: "Standup" };
    const error: unknown = await registry
      .execute("test", "transfer", {
        title: "Board meeting",
        toJSON: () => approved,
        n: Number.NaN,
        big: 10n,
        tags: new Set(["a"]),
        when: new Date(0),
        list: [1, undefined],
      })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "CORTEX_VALIDATION_FAILED" });
    expect((error as { issues: unknown[] }).issues).toEqual([
      { path: "/toJSON", message: "must be a JSON value, got function" },
      { path: "/n", message: "must be a JSON value, got NaN" },
      { path: "/big", message: "must be a JSON value, got bigint" },
      { path: "/tags", message: "must be a JSON value, got a Set" },
      { path: "/when", message: "must be a JSON value, got a Date" },
      { path: "/list/1", message: "must be a JSON value, got undefined" },
    ]);
    expect(asked).toBe(0);
    expect(plugin.calls).toEqual([]);
  });
});

describe("snapshotParams", () => {
  it("copies JSON data deeply, leaves out undefined properties, and shares nothing with the input", () => {
    const input = { a: 1, b: { c: [1, "x", null, { d: true }] }, e: undefined };
    const result = snapshotParams(input);
    expect(result).toEqual({ value: { a: 1, b: { c: [1, "x", null, { d: true }] } } });
    const copy = (result as { value: typeof input }).value;
    expect(copy.b).not.toBe(input.b);
    expect(copy.b.c[3]).not.toBe(input.b.c[3]);
  });

  it("reports forbidden keys and runaway nesting instead of copying them", () => {
    const polluted = JSON.parse('{"x":{"__proto__":{"admin":true}}}') as Record<string, unknown>;
    expect(snapshotParams(polluted)).toEqual({
      issues: [{ path: "/x/__proto__", message: 'key "__proto__" is not allowed' }],
    });
    const deep: Record<string, unknown> = {};
    let at = deep;
    for (let i = 0; i < 70; i++) {
      const next: Record<string, unknown> = {};
      at.n = next;
      at = next;
    }
    expect(snapshotParams(deep)).toMatchObject({ issues: [{ message: "is nested deeper than 64 levels" }] });
  });
});
