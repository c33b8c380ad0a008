import { CortexError } from "@cortex/primitives";
import { describe, expect, it } from "vitest";
import { previewOf } from "../src/preview.js";

const call = { plugin: "files", action: "write", params: { path: "a", content: "b" } };

describe("previewOf", () => {
  it("uses a source's preview when it has one, and says when it has none", async () => {
    expect(await previewOf({}, call, 1_000)).toEqual({ none: true });
    expect(await previewOf(undefined, call, 1_000)).toEqual({ none: true });
    expect(await previewOf({ preview: () => undefined }, call, 1_000)).toEqual({ none: true });
    expect(
      await previewOf(
        {
          preview: (_p, _a, params) => ({ summary: `write ${String(params.path)}`, diff: "+b", details: { size: 1 } }),
        },
        call,
        1_000,
      ),
    ).toEqual({
      preview: { summary: "write a", diff: "+b", details: { size: 1 } },
    });
  });

  it("never lets a preview change the call, fail the page or hang it", async () => {
    const params = { path: "a" };
    const changed = await previewOf(
      {
        preview: (_p, _a, given) => {
          given.path = "changed";
          return { summary: "x" };
        },
      },
      { ...call, params },
      1_000,
    );
    expect(changed).toEqual({ preview: { summary: "x" } });
    expect(params.path).toBe("a");
    expect(
      await previewOf({ preview: () => Promise.reject(new CortexError("CORTEX_PLUGIN_ERROR", "boom")) }, call, 1_000),
    ).toEqual({
      error: { code: "CORTEX_PLUGIN_ERROR", message: "boom" },
    });
    expect(await previewOf({ preview: () => Promise.reject(new Error("plain")) }, call, 1_000)).toEqual({
      error: { code: "CORTEX_SERVER_INTERNAL", message: "plain" },
    });
    expect(await previewOf({ preview: () => new Promise(() => undefined) }, call, 50)).toMatchObject({
      error: { code: "CORTEX_TIMEOUT" },
    });
    expect(await previewOf({ preview: () => ({ diff: "no summary" }) }, call, 50)).toMatchObject({
      error: { code: "CORTEX_SERVER_INTERNAL" },
    });
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(await previewOf({ preview: () => ({ summary: "s", details: cyclic }) }, call, 50)).toEqual({
      preview: { summary: "s", details: "(details that are not JSON)" },
    });
  });
});
