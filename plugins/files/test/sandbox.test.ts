import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { PluginHarness } from "@cortex/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Sandbox, type FilesPlugin } from "../src/index.js";
import { harnessFor, makeFixture, type Fixture } from "./helpers.js";

let fx: Fixture;
let h: PluginHarness<FilesPlugin>;

beforeEach(async () => {
  fx = makeFixture();
  fx.write({ "a.txt": "hello", "sub/b.txt": "bee", "big.txt": "0123456789A" });
  symlinkSync(join(fx.outside, "secret.txt"), join(fx.root, "link-out.txt"));
  symlinkSync(fx.outside, join(fx.root, "dir-out"));
  symlinkSync(join(fx.outside, "new.txt"), join(fx.root, "dangling-out.txt"));
  symlinkSync("a.txt", join(fx.root, "link-in.txt"));
  symlinkSync("sub", join(fx.root, "dir-in"));
  h = await harnessFor(fx.root, { files_max_read_bytes: "10", files_max_write_bytes: "10" });
});
afterEach(async () => {
  await h.teardown();
  fx.cleanup();
});

const admin = { approve: true, admin: true } as const;
const outsideUntouched = () => {
  expect(readFileSync(join(fx.outside, "secret.txt"), "utf8")).toBe("top secret");
  expect(existsSync(join(fx.outside, "new.txt"))).toBe(false);
};

describe("refusals, one by one, as coded failure results", () => {
  it('refuses ".." climbing above the root', async () => {
    const r = await h.execute("read", { path: "../outside/secret.txt" });
    expect(r).toMatchObject({ success: false, code: "CORTEX_FILES_OUTSIDE_SANDBOX" });
    expect(r.error).toContain("files.read");
    expect(r.error).toContain("../outside/secret.txt");
  });

  it('refuses ".." hidden after a folder name', async () => {
    const r = await h.execute("list", { path: "sub/../../outside" });
    expect(r).toMatchObject({ success: false, code: "CORTEX_FILES_OUTSIDE_SANDBOX" });
  });

  it('refuses a write that climbs out with ".." and creates nothing', async () => {
    const r = await h.execute("write", { path: "../outside/new.txt", content: "x" }, { approve: true });
    expect(r).toMatchObject({ success: false, code: "CORTEX_FILES_OUTSIDE_SANDBOX" });
    outsideUntouched();
  });

  it("refuses an absolute path outside the root", async () => {
    const r = await h.execute("read", { path: join(fx.outside, "secret.txt") });
    expect(r).toMatchObject({ success: false, code: "CORTEX_FILES_INVALID_PATH" });
    expect(r.error).toMatch(/absolute/);
  });

  it("refuses an absolute path even when it points inside the root", async () => {
    const r = await h.execute("read", { path: join(fx.root, "a.txt") });
    expect(r).toMatchObject({ success: false, code: "CORTEX_FILES_INVALID_PATH" });
  });

  it("refuses a Windows drive path", async () => {
    const r = await h.execute("read", { path: "C:\\Windows\\win.ini" });
    expect(r).toMatchObject({ success: false, code: "CORTEX_FILES_INVALID_PATH" });
  });

  it("refuses a NUL byte", async () => {
    const r = await h.execute("read", { path: "a.txt\0.png" });
    expect(r).toMatchObject({ success: false, code: "CORTEX_FILES_INVALID_PATH" });
    expect(r.error).toMatch(/NUL/);
  });

  it("refuses reading a symlinked file that leads out", async () => {
    const r = await h.execute("read", { path: "link-out.txt" });
    expect(r).toMatchObject({ success: false, code: "CORTEX_FILES_OUTSIDE_SANDBOX" });
    expect(r.error).not.toContain("top secret");
  });

  it("refuses a path through a symlinked folder that leads out", async () => {
    expect(await h.execute("read", { path: "dir-out/secret.txt" })).toMatchObject({
      success: false,
      code: "CORTEX_FILES_OUTSIDE_SANDBOX",
    });
    expect(await h.execute("list", { path: "dir-out" })).toMatchObject({ code: "CORTEX_FILES_OUTSIDE_SANDBOX" });
    expect(await h.execute("search", { query: "secret", path: "dir-out" })).toMatchObject({
      code: "CORTEX_FILES_OUTSIDE_SANDBOX",
    });
  });

  it("refuses a write through a symlinked file that leads out", async () => {
    const r = await h.execute("write", { path: "link-out.txt", content: "pwned", overwrite: true }, { approve: true });
    expect(r).toMatchObject({ success: false, code: "CORTEX_FILES_OUTSIDE_SANDBOX" });
    outsideUntouched();
  });

  it("refuses a write into a symlinked folder that leads out (new file)", async () => {
    const r = await h.execute("write", { path: "dir-out/new.txt", content: "x" }, { approve: true });
    expect(r).toMatchObject({ success: false, code: "CORTEX_FILES_OUTSIDE_SANDBOX" });
    outsideUntouched();
  });

  it("refuses a write with createDirectories below a symlinked folder that leads out", async () => {
    const p = { path: "dir-out/deep/new.txt", content: "x", createDirectories: true };
    expect(await h.execute("write", p, { approve: true })).toMatchObject({ code: "CORTEX_FILES_OUTSIDE_SANDBOX" });
    expect(existsSync(join(fx.outside, "deep"))).toBe(false);
  });

  it("refuses a write through a dangling symlink that would create a file outside", async () => {
    const p = { path: "dangling-out.txt", content: "x", overwrite: true };
    expect(await h.execute("write", p, { approve: true })).toMatchObject({ code: "CORTEX_FILES_OUTSIDE_SANDBOX" });
    outsideUntouched();
  });

  it("refuses moving a file out through a symlinked folder", async () => {
    const r = await h.execute("move", { from: "a.txt", to: "dir-out/a.txt" }, { approve: true });
    expect(r).toMatchObject({ success: false, code: "CORTEX_FILES_OUTSIDE_SANDBOX" });
    expect(existsSync(join(fx.root, "a.txt"))).toBe(true);
    expect(existsSync(join(fx.outside, "a.txt"))).toBe(false);
  });

  it("refuses deleting through a symlinked folder that leads out", async () => {
    const r = await h.execute("delete", { path: "dir-out/secret.txt" }, admin);
    expect(r).toMatchObject({ success: false, code: "CORTEX_FILES_OUTSIDE_SANDBOX" });
    outsideUntouched();
  });

  it("refuses an over-size read", async () => {
    const r = await h.execute("read", { path: "big.txt" });
    expect(r).toMatchObject({ success: false, code: "CORTEX_FILES_TOO_LARGE" });
    // The registry redacts every broker value from error text, "10" included.
    expect(r.error).toMatch(/11 bytes, over the .*-byte limit \(files_max_read_bytes\)/);
  });

  it("refuses an over-size write and writes nothing", async () => {
    const r = await h.execute("write", { path: "w.txt", content: "0123456789A" }, { approve: true });
    expect(r).toMatchObject({ success: false, code: "CORTEX_FILES_TOO_LARGE" });
    expect(r.error).toContain("files_max_write_bytes");
    expect(existsSync(join(fx.root, "w.txt"))).toBe(false);
  });

  it("counts the write limit in bytes, not characters", async () => {
    const r = await h.execute("write", { path: "w.txt", content: "ééééé€" }, { approve: true }); // 13 bytes
    expect(r).toMatchObject({ success: false, code: "CORTEX_FILES_TOO_LARGE" });
  });

  it.each([".", "sub/..", "./"])("refuses deleting the root itself (%j)", async (path) => {
    const r = await h.execute("delete", { path, recursive: true }, admin);
    expect(r).toMatchObject({ success: false, code: "CORTEX_FILES_INVALID_PATH" });
    expect(existsSync(join(fx.root, "a.txt"))).toBe(true);
  });

  it("refuses moving the root itself", async () => {
    const r = await h.execute("move", { from: ".", to: "sub/root" }, { approve: true });
    expect(r).toMatchObject({ success: false, code: "CORTEX_FILES_INVALID_PATH" });
  });

  it("refuses moving something onto the root", async () => {
    const r = await h.execute("move", { from: "a.txt", to: ".", overwrite: true }, { approve: true });
    expect(r).toMatchObject({ success: false, code: "CORTEX_FILES_INVALID_PATH" });
  });
});

describe("what stays allowed", () => {
  it('allows ".." that stays inside the root', async () => {
    expect(await h.execute("read", { path: "sub/../a.txt" })).toMatchObject({ success: true, data: { path: "a.txt" } });
  });

  it("follows links that stay inside the root", async () => {
    expect(await h.execute("read", { path: "link-in.txt" })).toMatchObject({
      success: true,
      data: { content: "hello" },
    });
    expect(await h.execute("read", { path: "dir-in/b.txt" })).toMatchObject({
      success: true,
      data: { content: "bee" },
    });
  });

  it("never follows links while walking: list and search stay inside", async () => {
    const listed = await h.execute("list", { recursive: true });
    const paths = (listed.data as { entries: { path: string; type: string }[] }).entries.map((e) => e.path);
    expect(paths).toContain("dir-out");
    expect(paths.some((p) => p.startsWith("dir-out/"))).toBe(false);
    const found = await h.execute("search", { query: "secret" });
    expect(found).toMatchObject({ success: true, data: { matches: [] } });
  });
});

describe("Sandbox", () => {
  it("opens only an existing folder", async () => {
    await expect(Sandbox.open(join(fx.root, "missing"))).rejects.toMatchObject({ code: "CORTEX_FILES_INVALID_CONFIG" });
    await expect(Sandbox.open(join(fx.root, "a.txt"))).rejects.toMatchObject({ code: "CORTEX_FILES_INVALID_CONFIG" });
    await expect(Sandbox.open("")).rejects.toMatchObject({ code: "CORTEX_FILES_INVALID_CONFIG" });
  });

  it("resolves the root with realpath once, so a linked root works", async () => {
    symlinkSync(fx.root, join(fx.base, "root-link"));
    const sandbox = await Sandbox.open(join(fx.base, "root-link"));
    expect(sandbox.root).toBe(fx.root);
    expect((await sandbox.resolve("a.txt")).real).toBe(join(fx.root, "a.txt"));
  });

  it("resolves a missing path below its deepest existing real ancestor", async () => {
    const sandbox = await Sandbox.open(fx.root);
    const r = await sandbox.resolve("dir-in/x/y.txt");
    expect(r).toMatchObject({ exists: false, relative: "dir-in/x/y.txt", real: join(fx.root, "sub", "x", "y.txt") });
  });

  it("keeps a final link as the entry and its target as the real path", async () => {
    const sandbox = await Sandbox.open(fx.root);
    const r = await sandbox.resolve("link-in.txt");
    expect(r).toMatchObject({ entry: join(fx.root, "link-in.txt"), real: join(fx.root, "a.txt"), exists: true });
  });

  it("refuses a path below a file, and a broken link that stays inside", async () => {
    const sandbox = await Sandbox.open(fx.root);
    await expect(sandbox.resolve("a.txt/x")).rejects.toMatchObject({ code: "CORTEX_FILES_NOT_A_DIRECTORY" });
    symlinkSync("nowhere.txt", join(fx.root, "broken.txt"));
    await expect(sandbox.resolve("broken.txt")).rejects.toMatchObject({ code: "CORTEX_FILES_INVALID_PATH" });
  });

  it("refuses a non-string or empty path", async () => {
    const sandbox = await Sandbox.open(fx.root);
    await expect(sandbox.resolve("")).rejects.toMatchObject({ code: "CORTEX_FILES_INVALID_PATH" });
    await expect(sandbox.resolve(42)).rejects.toMatchObject({ code: "CORTEX_FILES_INVALID_PATH" });
  });

  it("a link loop is a coded error, not a hang", async () => {
    symlinkSync("loop-b", join(fx.root, "loop-a"));
    symlinkSync("loop-a", join(fx.root, "loop-b"));
    const sandbox = await Sandbox.open(fx.root);
    await expect(sandbox.resolve("loop-a/x")).rejects.toMatchObject({ code: "CORTEX_FILES_INVALID_PATH" });
  });

  it("a folder created after setup is usable", async () => {
    mkdirSync(join(fx.root, "later"));
    writeFileSync(join(fx.root, "later", "f.txt"), "f");
    expect(await h.execute("read", { path: "later/f.txt" })).toMatchObject({ success: true });
  });
});
