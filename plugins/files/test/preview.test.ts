import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { PluginHarness } from "@cortex/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { FilesPlugin } from "../src/index.js";
import { harnessFor, makeFixture, type Fixture } from "./helpers.js";

let fx: Fixture;
let h: PluginHarness<FilesPlugin>;

beforeEach(async () => {
  fx = makeFixture();
  fx.write({
    "notes.md": "one\ntwo\nthree\n",
    "logo.bin": Buffer.from([0, 1, 2, 3]),
    "docs/a.md": "a",
    "docs/b.md": "b",
  });
  h = await harnessFor(fx.root);
});

afterEach(async () => {
  await h.teardown();
  fx.cleanup();
});

describe("previews", () => {
  it("shows a write over an existing file as a unified diff, changing nothing", async () => {
    const preview = await h.preview("write", { path: "notes.md", content: "one\n2\nthree\nfour\n", overwrite: true });
    expect(preview?.summary).toBe("replace notes.md (+2 −1 lines)");
    expect(preview?.diff).toContain("--- a/notes.md");
    expect(preview?.diff).toContain("+++ b/notes.md");
    expect(preview?.diff).toMatch(/^-two$/m);
    expect(preview?.diff).toMatch(/^\+2$/m);
    expect(preview?.diff).toMatch(/^\+four$/m);
    expect(preview?.details).toMatchObject({ path: "notes.md", exists: true, previousBytes: 14 });
    expect(readFileSync(join(fx.root, "notes.md"), "utf8")).toBe("one\ntwo\nthree\n");
  });

  it("shows a new file as all added, binary content and refused writes as a summary only", async () => {
    const created = await h.preview("write", {
      path: "new/todo.md",
      content: "- milk\n- tea\n",
      createDirectories: true,
    });
    expect(created?.summary).toBe("create new/todo.md (2 lines)");
    expect((await h.preview("write", { path: "one.md", content: "just this" }))?.summary).toBe(
      "create one.md (1 line)",
    );
    expect(created?.diff).toMatch(/^\+- milk$/m);
    expect(created?.diff).not.toMatch(/^-[^-]/m);
    const binary = await h.preview("write", { path: "logo.bin", content: "AAEC", encoding: "base64", overwrite: true });
    expect(binary).toEqual({
      summary: "replace logo.bin (4 bytes → 3 bytes, shown without a diff)",
      details: { path: "logo.bin", exists: true, bytes: 3, previousBytes: 4 },
    });
    const refused = await h.preview("write", { path: "notes.md", content: "x" });
    expect(refused?.summary).toBe("write notes.md: refused, the file exists and overwrite is not true");
    expect(refused?.diff).toBeUndefined();
  });

  it("summarizes move and delete", async () => {
    await expect(h.preview("move", { from: "notes.md", to: "docs/a.md", overwrite: true })).resolves.toMatchObject({
      summary: "move file notes.md → docs/a.md, replacing the file there",
    });
    await expect(h.preview("move", { from: "gone.md", to: "x.md" })).resolves.toMatchObject({
      summary: "move gone.md: refused, it does not exist",
    });
    await expect(h.preview("delete", { path: "docs", recursive: true })).resolves.toMatchObject({
      summary: "delete folder docs and everything in it (2 entries at its top level)",
      details: { path: "docs", type: "directory", entries: 2 },
    });
    await expect(h.preview("delete", { path: "notes.md" })).resolves.toMatchObject({
      summary: "delete file notes.md (14 bytes)",
    });
    expect(readFileSync(join(fx.root, "docs/a.md"), "utf8")).toBe("a");
  });

  it("keeps a path out of the sandbox refused in a preview too", async () => {
    await expect(
      h.preview("write", { path: "../outside/secret.txt", content: "x", overwrite: true }),
    ).rejects.toMatchObject({ code: "CORTEX_PREVIEW_FAILED" });
  });
});
