import { FakeBroker, type PluginHarness } from "@cortex/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FilesPlugin, type SearchResult } from "../src/index.js";
import { compileGlob } from "../src/glob.js";
import { harnessFor, makeFixture, type Fixture } from "./helpers.js";

let fx: Fixture;
let h: PluginHarness<FilesPlugin>;

beforeEach(async () => {
  fx = makeFixture();
  fx.write({
    "notes.md": "# Notes\nBuy milk\nbuy bread\n",
    "todo.txt": "nothing here",
    "src/app.ts": "const milk = 1;\n",
    "src/lib/util.ts": "export const Milk = 2;\n",
    "milk-recipes/readme.txt": "cows",
    "image.png": Buffer.concat([Buffer.from("milk"), Buffer.alloc(10)]),
  });
  h = await harnessFor(fx.root);
});
afterEach(async () => {
  await h.teardown();
  fx.cleanup();
});

const run = async (params: Record<string, unknown>) => {
  const r = await h.execute("search", params);
  expect(r.success).toBe(true);
  return r.data as SearchResult;
};
const summary = (data: SearchResult) => data.matches.map((m) => `${m.kind}:${m.path}${m.line ? `:${m.line}` : ""}`);

describe("search", () => {
  it("finds names and content lines, case-insensitively by default, skipping binary files", async () => {
    const data = await run({ query: "milk" });
    expect(summary(data)).toEqual([
      "name:milk-recipes",
      "content:notes.md:2",
      "content:src/app.ts:1",
      "content:src/lib/util.ts:1",
    ]);
    expect(data.matches[1]).toMatchObject({ type: "file", text: "Buy milk" });
    expect(data).toMatchObject({ truncated: false, filesSkipped: 1 });
    expect(data.bytesScanned).toBeGreaterThan(0);
  });

  it("matches case exactly when asked", async () => {
    expect(summary(await run({ query: "Milk", caseSensitive: true }))).toEqual(["content:src/lib/util.ts:1"]);
  });

  it("filters by a name glob or a path glob, and searches a sub-folder", async () => {
    expect(summary(await run({ query: "milk", glob: "*.ts" }))).toEqual([
      "content:src/app.ts:1",
      "content:src/lib/util.ts:1",
    ]);
    expect(summary(await run({ query: "milk", glob: "src/*.ts" }))).toEqual(["content:src/app.ts:1"]);
    expect(summary(await run({ query: "milk", glob: "**/lib/*.ts" }))).toEqual(["content:src/lib/util.ts:1"]);
    expect(summary(await run({ query: "milk", path: "src", glob: "lib/**" }))).toEqual(["content:src/lib/util.ts:1"]);
  });

  it("stops at maxResults and says it was truncated", async () => {
    const data = await run({ query: "milk", maxResults: 2 });
    expect(data.matches).toHaveLength(2);
    expect(data.truncated).toBe(true);
  });

  it("stops at the bytes-scanned limit", async () => {
    const small = await harnessFor(fx.root, {}, { maxSearchBytes: 30 });
    try {
      const data = (await small.execute("search", { query: "milk" })).data as SearchResult;
      expect(data.truncated).toBe(true);
      expect(data.bytesScanned).toBeLessThanOrEqual(30);
    } finally {
      await small.teardown();
    }
  });

  it("skips files over the read limit", async () => {
    fx.write({ "huge.txt": `milk ${"x".repeat(100)}` });
    const small = await harnessFor(fx.root, { files_max_read_bytes: "64" });
    try {
      const data = (await small.execute("search", { query: "milk", glob: "huge.txt" })).data as SearchResult;
      expect(data.matches).toEqual([]);
      expect(data.filesSkipped).toBe(1);
    } finally {
      await small.teardown();
    }
  });

  it("fails for a missing folder or a file", async () => {
    expect(await h.execute("search", { query: "x", path: "nope" })).toMatchObject({ code: "CORTEX_FILES_NOT_FOUND" });
    expect(await h.execute("search", { query: "x", path: "todo.txt" })).toMatchObject({
      code: "CORTEX_FILES_NOT_A_DIRECTORY",
    });
  });

  it("honours context.signal: an aborted signal stops the search", async () => {
    const plugin = new FilesPlugin();
    await plugin.setup(new FakeBroker({ files_root: fx.root }));
    const controller = new AbortController();
    controller.abort(new Error("user cancelled"));
    const r = await plugin.executeAction("search", { query: "milk" }, { signal: controller.signal, callId: "t" });
    expect(r).toMatchObject({ success: false, code: "CORTEX_FILES_ABORTED" });
  });

  it("stops part-way when the signal aborts during the walk", async () => {
    for (let i = 0; i < 200; i++) fx.write({ [`many/f${String(i).padStart(3, "0")}.txt`]: "milk\n" });
    const plugin = new FilesPlugin();
    await plugin.setup(new FakeBroker({ files_root: fx.root }));
    const controller = new AbortController();
    const pending = plugin.executeAction(
      "search",
      { query: "milk", path: "many", maxResults: 200 },
      {
        signal: controller.signal,
        callId: "t",
      },
    );
    setImmediate(() => controller.abort());
    expect(await pending).toMatchObject({ success: false, code: "CORTEX_FILES_ABORTED" });
  });

  it("through the registry, a caller's abort ends the call as CORTEX_ABORTED", async () => {
    const controller = new AbortController();
    controller.abort();
    const r = await h.execute("search", { query: "milk" }, { signal: controller.signal });
    expect(r).toMatchObject({ success: false, code: "CORTEX_ABORTED" });
  });
});

describe("compileGlob", () => {
  it.each([
    ["*.md", "a/b/notes.md", "notes.md", true],
    ["*.md", "notes.mdx", "notes.mdx", false],
    ["note?.md", "notes.md", "notes.md", true],
    ["src/*.ts", "src/a/b.ts", "b.ts", false],
    ["src/**/*.ts", "src/a/b.ts", "b.ts", true],
    ["src/**/*.ts", "src/b.ts", "b.ts", true],
    ["**", "x/y", "y", true],
    ["a+b(c).txt", "a+b(c).txt", "a+b(c).txt", true],
  ])("%s on %s is %s", (pattern, rel, name, expected) => {
    expect(compileGlob(pattern).matches(rel, name)).toBe(expected);
  });

  it("ignores case when asked", () => {
    expect(compileGlob("*.MD", true).matches("a.md", "a.md")).toBe(true);
    expect(compileGlob("*.MD").matches("a.md", "a.md")).toBe(false);
  });
});
