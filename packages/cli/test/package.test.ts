import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CLI } from "./helpers.js";

const manifest = JSON.parse(readFileSync(join(import.meta.dirname, "../package.json"), "utf8")) as {
  bin: Record<string, string>;
  engines: Record<string, string>;
};

describe("package", () => {
  it("ships the cortex bin as an executable ESM file with a node shebang", () => {
    expect(manifest.bin).toEqual({ cortex: "./dist/cli.js" });
    expect(manifest.engines.node).toBe(">=20.19");
    expect(readFileSync(CLI, "utf8").startsWith("#!/usr/bin/env node\n")).toBe(true);
    if (process.platform !== "win32") expect(statSync(CLI).mode & 0o111).not.toBe(0);
  });

  it("exports the programmatic API from both module formats", async () => {
    const esm = (await import("../dist/index.js")) as { main: unknown };
    expect(typeof esm.main).toBe("function");
    const { createRequire } = await import("node:module");
    const cjs = createRequire(import.meta.url)("../dist/index.cjs") as { main: unknown };
    expect(typeof cjs.main).toBe("function");
  });
});
