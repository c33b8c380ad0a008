import { afterEach, describe, expect, it, vi } from "vitest";
import { canonicalJson } from "../src/approval.js";
import { approvalId, defaultAuthorize, type ApprovalRequest } from "../src/index.js";
import { makePlugin, makeRegistry, sleep } from "./fixtures.js";

describe("approval ids", () => {
  it("canonical JSON sorts keys at every depth and drops undefined", () => {
    expect(canonicalJson({ b: 1, a: { d: [{ z: 1, y: 2 }], c: undefined } })).toBe('{"a":{"d":[{"y":2,"z":1}]},"b":1}');
  });

  it("is stable across key order and changes with any param", () => {
    const id = approvalId("calendar", "create_event", { title: "x", at: "2026-06-01" });
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    expect(approvalId("calendar", "create_event", { at: "2026-06-01", title: "x" })).toBe(id);
    expect(approvalId("calendar", "create_event", { at: "2026-06-02", title: "x" })).not.toBe(id);
    expect(approvalId("calendar", "delete_event", { at: "2026-06-01", title: "x" })).not.toBe(id);
    expect(approvalId("calendar2", "create_event", { at: "2026-06-01", title: "x" })).not.toBe(id);
  });

  it("two calls JSON would fold together never share an id: one is refused, by approvalId and execute alike", async () => {
    const pairs: [string, Record<string, unknown>, Record<string, unknown>][] = [
      ["-0 and 0", { n: -0 }, { n: 0 }],
      ["an undefined array item and null", { list: [1, undefined] }, { list: [1, null] }],
      ["a hole and null", { list: [1, , 3] }, { list: [1, null, 3] }], // eslint-disable-line no-sparse-arrays -- the case under test
      ["NaN and null", { n: Number.NaN }, { n: null }],
      ["Infinity and null", { n: Infinity }, { n: null }],
      ["a Date and its ISO text", { at: new Date(0) }, { at: new Date(0).toISOString() }],
      ["a toJSON and what it returns", { a: { toJSON: () => 1 } }, { a: 1 }],
      ["a Map and {}", { m: new Map([["k", 1]]) }, { m: {} }],
      ["nested -0 and 0", { deep: [{ n: -0 }] }, { deep: [{ n: 0 }] }],
    ];
    const plugin = makePlugin();
    const { registry } = makeRegistry({ approver: () => ({ approved: true }) });
    registry.register(plugin);
    for (const [label, folded, plain] of pairs) {
      expect(() => approvalId("test", "confirm", folded), label).toThrow(
        expect.objectContaining({ code: "CORTEX_VALIDATION_FAILED" }),
      );
      expect(approvalId("test", "confirm", plain), label).toMatch(/^[0-9a-f]{64}$/);
      const approval = { id: approvalId("test", "confirm", plain), approved: true };
      await expect(registry.execute("test", "confirm", folded, { approval }), label).rejects.toMatchObject({
        code: "CORTEX_VALIDATION_FAILED",
      });
    }
    expect(plugin.calls).toEqual([]);
  });

  it("calls whose params differ in any accepted value get different ids", () => {
    const values: unknown[] = [
      0,
      1,
      -1,
      0.1,
      1e21,
      "0",
      "",
      " ",
      "\u0000",
      "\ud800",
      true,
      false,
      null,
      [],
      {},
      [null],
      [[]],
    ];
    const ids = new Set(values.map((value) => approvalId("p", "a", { value })));
    expect(ids.size).toBe(values.length);
    // Undefined properties are left out of the call as of its id: the plugin gets the same params.
    expect(approvalId("p", "a", { a: 1, b: undefined })).toBe(approvalId("p", "a", { a: 1 }));
  });

  it("default policy authorizes admins only", () => {
    const request = {} as ApprovalRequest;
    expect(defaultAuthorize({ id: "a", roles: ["admin"] }, request)).toBe(true);
    expect(defaultAuthorize({ id: "b", roles: ["user"] }, request)).toBe(false);
  });
});

describe("CONFIRM tier", () => {
  it("no approver and no approval → CORTEX_APPROVAL_REQUIRED carrying the request; plugin never runs", async () => {
    const plugin = makePlugin();
    const { registry } = makeRegistry();
    registry.register(plugin);
    const error = await registry.execute("test", "confirm", { title: "x" }).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: "CORTEX_APPROVAL_REQUIRED",
      request: { plugin: "test", action: "confirm", tier: "CONFIRM", params: { title: "x" } },
    });
    const { request } = error as { request: ApprovalRequest };
    expect(request.id).toBe(approvalId("test", "confirm", { title: "x" }));
    expect(plugin.calls).toHaveLength(0);
    expect(plugin.setups).toBe(0);

    // The caller asks a human and calls again with the approval.
    const result = await registry.execute(
      "test",
      "confirm",
      { title: "x" },
      { approval: { id: request.id, approved: true } },
    );
    expect(result.success).toBe(true);
    expect(plugin.calls).toHaveLength(1);
  });

  it("an approval for other params does not count", async () => {
    const plugin = makePlugin();
    const { registry } = makeRegistry();
    registry.register(plugin);
    const approval = { id: approvalId("test", "confirm", { title: "x" }), approved: true };
    await expect(registry.execute("test", "confirm", { title: "y" }, { approval })).rejects.toMatchObject({
      code: "CORTEX_APPROVAL_REQUIRED",
      message: expect.stringContaining("different parameters") as string,
    });
    expect(plugin.calls).toHaveLength(0);
  });

  it("a denied approval in options → CORTEX_APPROVAL_DENIED with reason", async () => {
    const { registry } = makeRegistry();
    registry.register(makePlugin());
    const approval = { id: approvalId("test", "confirm", {}), approved: false, reason: "not now", decidedBy: "alice" };
    await expect(registry.execute("test", "confirm", {}, { approval })).rejects.toMatchObject({
      code: "CORTEX_APPROVAL_DENIED",
      reason: "not now",
      decidedBy: "alice",
    });
  });

  it("the approver is asked with the request and may approve", async () => {
    const approver = vi.fn((_r: ApprovalRequest) => ({ approved: true, decidedBy: "bot" }));
    const { registry, logger } = makeRegistry({ approver });
    const plugin = makePlugin();
    registry.register(plugin);
    await expect(registry.execute("test", "confirm", { a: 1 })).resolves.toMatchObject({ success: true });
    expect(approver).toHaveBeenCalledWith(
      expect.objectContaining({
        id: approvalId("test", "confirm", { a: 1 }),
        plugin: "test",
        action: "confirm",
        tier: "CONFIRM",
      }),
    );
    expect(logger.lines.some((l) => l.message.includes("approved") && l.fields?.decidedBy === "bot")).toBe(true);
  });

  it("with an approver, mismatched approvals are ignored and the approver decides", async () => {
    const approver = vi.fn(async () => ({ approved: false, reason: "no" }));
    const { registry } = makeRegistry({ approver });
    registry.register(makePlugin());
    await expect(
      registry.execute("test", "confirm", { a: 1 }, { approval: { id: "wrong", approved: true } }),
    ).rejects.toMatchObject({ code: "CORTEX_APPROVAL_DENIED", reason: "no" });
    expect(approver).toHaveBeenCalledOnce();
  });

  it.each([
    ["throws", () => Promise.reject(new Error("approver down")), /approver failed: approver down/],
    ["never answers", () => new Promise<never>(() => undefined), /no answer within 50 ms/],
    ["returns no decision", () => undefined as never, /no decision/],
  ])("an approver that %s denies", async (_label, approver, reason) => {
    const plugin = makePlugin();
    const { registry } = makeRegistry({ approver, approvalTimeoutMs: 50 });
    registry.register(plugin);
    const error = await registry.execute("test", "confirm", {}).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "CORTEX_APPROVAL_DENIED" });
    expect((error as { reason: string }).reason).toMatch(reason);
    expect(plugin.calls).toHaveLength(0);
  });
});

describe("ADMIN tier", () => {
  const approval = { id: approvalId("test", "admin", {}), approved: true };

  it("no principal → CORTEX_FORBIDDEN before the approver is asked", async () => {
    const approver = vi.fn(() => ({ approved: true }));
    const plugin = makePlugin();
    const { registry } = makeRegistry({ approver });
    registry.register(plugin);
    await expect(registry.execute("test", "admin", {})).rejects.toMatchObject({ code: "CORTEX_FORBIDDEN" });
    expect(approver).not.toHaveBeenCalled();
    expect(plugin.calls).toHaveLength(0);
  });

  it("a principal without the admin role is forbidden even with an approval", async () => {
    const { registry } = makeRegistry();
    registry.register(makePlugin());
    await expect(
      registry.execute("test", "admin", {}, { approval, principal: { id: "bob", roles: ["user"] } }),
    ).rejects.toMatchObject({ code: "CORTEX_FORBIDDEN", principalId: "bob" });
  });

  it("an admin principal still needs an approval", async () => {
    const { registry } = makeRegistry();
    registry.register(makePlugin());
    const principal = { id: "root", roles: ["admin"] };
    await expect(registry.execute("test", "admin", {}, { principal })).rejects.toMatchObject({
      code: "CORTEX_APPROVAL_REQUIRED",
      request: { tier: "ADMIN", principal },
    });
    await expect(registry.execute("test", "admin", {}, { principal, approval })).resolves.toMatchObject({
      success: true,
    });
  });

  it("the authorize policy is replaceable, may be async, and failing policies forbid", async () => {
    const authorize = vi.fn(async (p: { id: string }) => p.id === "ops");
    const { registry } = makeRegistry({ authorize, approver: () => ({ approved: true }) });
    registry.register(makePlugin());
    await expect(registry.execute("test", "admin", {}, { principal: { id: "ops", roles: [] } })).resolves.toMatchObject(
      {
        success: true,
      },
    );
    await expect(
      registry.execute("test", "admin", {}, { principal: { id: "root", roles: ["admin"] } }),
    ).rejects.toMatchObject({ code: "CORTEX_FORBIDDEN" });

    const { registry: broken } = makeRegistry({
      authorize: () => {
        throw new Error("policy db down");
      },
    });
    broken.register(makePlugin());
    await expect(
      broken.execute("test", "admin", {}, { principal: { id: "x", roles: ["admin"] }, approval }),
    ).rejects.toMatchObject({ code: "CORTEX_FORBIDDEN", message: expect.stringContaining("policy db down") as string });

    const { registry: slow } = makeRegistry({ authorize: () => sleep(200).then(() => true), approvalTimeoutMs: 20 });
    slow.register(makePlugin());
    await expect(
      slow.execute("test", "admin", {}, { principal: { id: "x", roles: [] }, approval }),
    ).rejects.toMatchObject({ code: "CORTEX_FORBIDDEN" });
  });
});

describe("registry.authorize (the ADMIN principal check on its own)", () => {
  it("answers like execute's check, without running the approver, setup or plugin code", async () => {
    const approver = vi.fn(() => ({ approved: true }));
    const authorize = vi.fn(
      (p: { id: string }, request: ApprovalRequest) => p.id === "ops" && request.params.scope === "all",
    );
    const plugin = makePlugin();
    const { registry } = makeRegistry({ approver, authorize });
    registry.register(plugin);

    await expect(
      registry.authorize("test", "admin", { scope: "all" }, { id: "ops", roles: [] }),
    ).resolves.toBeUndefined();
    expect(authorize).toHaveBeenLastCalledWith(
      { id: "ops", roles: [] },
      expect.objectContaining({
        id: approvalId("test", "admin", { scope: "all" }),
        plugin: "test",
        action: "admin",
        tier: "ADMIN",
        params: { scope: "all" },
        principal: { id: "ops", roles: [] },
      }),
    );
    await expect(registry.authorize("test", "admin", { scope: "one" }, { id: "ops", roles: [] })).rejects.toMatchObject(
      {
        code: "CORTEX_FORBIDDEN",
        principalId: "ops",
      },
    );
    await expect(
      registry.authorize("test", "admin", { scope: "all" }, { id: "bob", roles: ["admin"] }),
    ).rejects.toMatchObject({
      code: "CORTEX_FORBIDDEN",
      message: expect.stringContaining('principal "bob" is not authorized') as string,
    });
    await expect(registry.authorize("test", "admin", {})).rejects.toMatchObject({
      code: "CORTEX_FORBIDDEN",
      message: expect.stringContaining("no principal was given") as string,
    });
    expect(approver).not.toHaveBeenCalled();
    expect(plugin.setups).toBe(0);
    expect(plugin.calls).toHaveLength(0);
  });

  it("passes AUTO and CONFIRM actions whoever asks, and refuses unknown names with their codes", async () => {
    const authorize = vi.fn(() => false);
    const { registry } = makeRegistry({ authorize });
    registry.register(makePlugin());
    await expect(registry.authorize("test", "confirm", { title: "x" })).resolves.toBeUndefined();
    await expect(
      registry.authorize("test", "confirm", { title: "x" }, { id: "bob", roles: [] }),
    ).resolves.toBeUndefined();
    expect(authorize).not.toHaveBeenCalled();
    await expect(registry.authorize("nope", "admin", {}, { id: "root", roles: ["admin"] })).rejects.toMatchObject({
      code: "CORTEX_PLUGIN_NOT_FOUND",
    });
    await expect(registry.authorize("test", "nope", {}, { id: "root", roles: ["admin"] })).rejects.toMatchObject({
      code: "CORTEX_ACTION_NOT_FOUND",
    });
  });

  it("turns a policy that throws or never answers into CORTEX_FORBIDDEN", async () => {
    const { registry: broken } = makeRegistry({
      authorize: () => {
        throw new Error("policy db down");
      },
    });
    broken.register(makePlugin());
    await expect(broken.authorize("test", "admin", {}, { id: "x", roles: ["admin"] })).rejects.toMatchObject({
      code: "CORTEX_FORBIDDEN",
      message: expect.stringContaining("policy db down") as string,
    });
    const { registry: slow } = makeRegistry({
      authorize: () => new Promise<boolean>(() => undefined),
      approvalTimeoutMs: 20,
    });
    slow.register(makePlugin());
    await expect(slow.authorize("test", "admin", {}, { id: "x", roles: ["admin"] })).rejects.toMatchObject({
      code: "CORTEX_FORBIDDEN",
    });
  });

  it("grants nothing: execute still checks the principal and the approval", async () => {
    const approval = { id: approvalId("test", "admin", {}), approved: true };
    let allow = true;
    const { registry } = makeRegistry({ authorize: () => allow });
    const plugin = makePlugin();
    registry.register(plugin);
    const principal = { id: "ops", roles: [] };
    await registry.authorize("test", "admin", {}, principal);
    await expect(registry.execute("test", "admin", {}, { principal })).rejects.toMatchObject({
      code: "CORTEX_APPROVAL_REQUIRED",
    });
    allow = false;
    await expect(registry.execute("test", "admin", {}, { principal, approval })).rejects.toMatchObject({
      code: "CORTEX_FORBIDDEN",
    });
    expect(plugin.calls).toHaveLength(0);
  });
});

describe("the approval time limit", () => {
  const MAX = 2 ** 31 - 1;
  const THIRTY_DAYS = 30 * 24 * 3_600_000;
  afterEach(() => void vi.useRealTimers());

  it("denies exactly when a limit above 2^31 - 1 ms has passed, not after 1 ms", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"] });
    const limit = MAX + 5_000;
    const { registry } = makeRegistry({ approver: () => new Promise(() => undefined), approvalTimeoutMs: limit });
    registry.register(makePlugin());
    await registry.setupAllPending();
    let outcome = "pending";
    registry.execute("test", "confirm", {}).then(
      () => (outcome = "ran"),
      (error: { reason: string }) => (outcome = error.reason),
    );
    await vi.advanceTimersByTimeAsync(1);
    expect(outcome).toBe("pending");
    await vi.advanceTimersByTimeAsync(MAX - 1);
    expect(outcome).toBe("pending");
    await vi.advanceTimersByTimeAsync(4_999);
    expect(outcome).toBe("pending");
    await vi.advanceTimersByTimeAsync(1);
    expect(outcome).toBe(`approver failed: no answer within ${limit} ms`);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("sets no timer for Infinity, and clears a long limit's timer when the approver answers", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"] });
    let answer!: (decision: { approved: boolean }) => void;
    const approver = () => new Promise<{ approved: boolean }>((resolve) => (answer = resolve));
    for (const approvalTimeoutMs of [Infinity, THIRTY_DAYS]) {
      const { registry } = makeRegistry({ approver, approvalTimeoutMs, timeoutMs: Infinity });
      registry.register(makePlugin({ executeAction: () => ({ success: true }) }));
      await registry.setupAllPending();
      const call = registry.execute("test", "confirm", {});
      await vi.advanceTimersByTimeAsync(MAX + 10);
      expect(vi.getTimerCount()).toBe(approvalTimeoutMs === Infinity ? 0 : 1);
      answer({ approved: true });
      await expect(call).resolves.toEqual({ success: true });
      expect(vi.getTimerCount()).toBe(0);
    }
  });
});
