import { describe, expect, it } from "vitest";
import { ActionTier, MemoryBroker, REDACTED, type ApprovalRequest, type Plugin } from "../src/index.js";
import { makePlugin, makeRegistry, sleep } from "./fixtures.js";

const actions = [
  {
    name: "write",
    description: "Write",
    tier: ActionTier.CONFIRM,
    parameters: { type: "object", properties: { text: { type: "string" } }, required: ["text"] },
  },
  { name: "read", description: "Read", tier: ActionTier.AUTO },
];

/** A class-form plugin whose `preview` is `preview`, reading a secret in setup. */
function previewing(preview: Plugin["preview"]) {
  return makePlugin({
    actions,
    async setup(broker) {
      await broker.get("api_key");
    },
    ...(preview === undefined ? {} : { preview }),
  });
}

describe("registry.preview", () => {
  it("validates params, sets the plugin up and hands back the preview, secrets removed", async () => {
    const contexts: unknown[] = [];
    const plugin = previewing((action, params, context) => {
      contexts.push(context.callId);
      if (action !== "write") return undefined;
      return { summary: `write ${String(params.text)} with k3y-s3cret`, diff: "+line", details: { n: 1 } };
    });
    const { registry } = makeRegistry({ broker: new MemoryBroker({ api_key: "k3y-s3cret" }) });
    registry.register(plugin);
    await expect(registry.preview("test", "write", {})).rejects.toMatchObject({ code: "CORTEX_VALIDATION_FAILED" });
    expect(registry.state("test")).toBe("pending");
    await expect(registry.preview("test", "write", { text: "a" })).resolves.toEqual({
      summary: `write a with ${REDACTED}`,
      diff: "+line",
      details: { n: 1 },
    });
    expect(registry.state("test")).toBe("ready");
    await expect(registry.preview("test", "read", {})).resolves.toBeUndefined();
    expect(contexts).toEqual(["test.write#preview", "test.read#preview"]);
    await expect(registry.preview("test", "nope", {})).rejects.toMatchObject({ code: "CORTEX_ACTION_NOT_FOUND" });
  });

  it("is undefined for a plugin without preview", async () => {
    const { registry } = makeRegistry({ broker: new MemoryBroker({ api_key: "api-k3y-9" }) });
    registry.register(previewing(undefined));
    await expect(registry.preview("test", "write", { text: "a" })).resolves.toBeUndefined();
  });

  it("rejects with CORTEX_PREVIEW_FAILED when the preview throws, hangs or returns no preview", async () => {
    const cases: [Plugin["preview"], RegExp][] = [
      [
        () => {
          throw new Error("disk gone");
        },
        /threw: disk gone/,
      ],
      [() => sleep(500).then(() => ({ summary: "late" })), /did not finish within 50 ms/],
      [() => ({ summary: 3 }) as never, /not \{ summary: string/],
    ];
    for (const [preview, message] of cases) {
      const { registry } = makeRegistry({ broker: new MemoryBroker({ api_key: "api-k3y-9" }) });
      registry.register(previewing(preview));
      await expect(registry.preview("test", "write", { text: "a" }, { timeoutMs: 50 })).rejects.toMatchObject({
        code: "CORTEX_PREVIEW_FAILED",
        message: expect.stringMatching(message) as unknown,
      });
    }
  });

  it("puts the preview in the request of ApprovalRequiredError, and asks without one when the preview fails", async () => {
    const { registry } = makeRegistry({ broker: new MemoryBroker({ api_key: "api-k3y-9" }) });
    registry.register(previewing((_action, params) => ({ summary: `write ${String(params.text)}` })));
    const error = await registry.execute("test", "write", { text: "a" }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "CORTEX_APPROVAL_REQUIRED", request: { preview: { summary: "write a" } } });

    const asked: ApprovalRequest[] = [];
    const failing = makeRegistry({
      broker: new MemoryBroker({ api_key: "api-k3y-9" }),
      approver: (request) => {
        asked.push(request);
        return { approved: true };
      },
    });
    failing.registry.register(
      previewing(() => {
        throw new Error("no preview today");
      }),
    );
    await expect(failing.registry.execute("test", "write", { text: "a" })).resolves.toMatchObject({ success: true });
    expect(asked).toHaveLength(1);
    expect(asked[0]?.preview).toBeUndefined();
    expect(failing.logger.text()).toContain("no preview today");
  });

  it("runs no preview when the call carries its approval", async () => {
    let previews = 0;
    const { registry } = makeRegistry({ broker: new MemoryBroker({ api_key: "api-k3y-9" }) });
    registry.register(previewing(() => ({ summary: `preview ${++previews}` })));
    const { approvalId } = await import("../src/index.js");
    const approval = { id: approvalId("test", "write", { text: "a" }), approved: true };
    await expect(registry.execute("test", "write", { text: "a" }, { approval })).resolves.toMatchObject({
      success: true,
    });
    expect(previews).toBe(0);
  });
});
