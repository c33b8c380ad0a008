import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
} from "node:fs";
import { join } from "node:path";
import { isCortexError, MemoryBroker, type CredentialBroker } from "@cortex/plugins";
import { createPluginHarness, FakeBroker, type PluginHarness } from "@cortex/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FILES_ACTIONS, FilesPlugin, type ListResult } from "../src/index.js";
import { harnessFor, makeFixture, type Fixture } from "./helpers.js";

let fx: Fixture;
let h: PluginHarness<FilesPlugin>;

beforeEach(async () => {
  fx = makeFixture();
  fx.write({ "a.txt": "hello", "sub/b.txt": "bee", "sub/deeper/c.md": "sea", "bin.dat": Buffer.from([0, 1, 2, 255]) });
  h = await harnessFor(fx.root);
});
afterEach(async () => {
  await h.teardown();
  fx.cleanup();
});

const confirm = { approve: true } as const;
const admin = { approve: true, admin: true } as const;
const ls = (dir = fx.root) => readdirSync(dir).sort();

describe("metadata and actions", () => {
  it("is named files, versioned with semver, and lists six actions with closed schemas", () => {
    const plugin = new FilesPlugin();
    expect(plugin.name).toBe("files");
    expect(plugin.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(plugin.description).not.toBe("");
    const tiers = Object.fromEntries(plugin.listActions().map((a) => [a.name, a.tier]));
    expect(tiers).toEqual({
      list: "AUTO",
      read: "AUTO",
      search: "AUTO",
      write: "CONFIRM",
      move: "CONFIRM",
      delete: "ADMIN",
    });
    for (const action of FILES_ACTIONS) {
      expect(action.parameters).toMatchObject({ type: "object", additionalProperties: false });
      expect(action.description.length).toBeGreaterThan(40);
    }
  });

  it("rejects unknown and missing params before the plugin runs", async () => {
    await expect(h.execute("read", { path: "a.txt", mode: "x" })).rejects.toMatchObject({
      code: "CORTEX_VALIDATION_FAILED",
    });
    await expect(h.execute("read", {})).rejects.toMatchObject({ code: "CORTEX_VALIDATION_FAILED" });
    await expect(h.execute("read", { path: "a.txt", encoding: "latin1" })).rejects.toMatchObject({
      code: "CORTEX_VALIDATION_FAILED",
    });
  });
});

describe("list", () => {
  it("lists the root by default, sorted, with name, path, type, size and modified", async () => {
    const r = await h.execute("list");
    expect(r.success).toBe(true);
    const data = r.data as ListResult;
    expect(data.path).toBe(".");
    expect(data.entries.map((e) => [e.name, e.type])).toEqual([
      ["a.txt", "file"],
      ["bin.dat", "file"],
      ["sub", "directory"],
    ]);
    expect(data.entries[0]).toMatchObject({ path: "a.txt", size: 5 });
    expect(new Date(data.entries[0]!.modified).toISOString()).toBe(data.entries[0]!.modified);
    expect(data.truncated).toBe(false);
  });

  it("lists recursively, depth first", async () => {
    const r = await h.execute("list", { path: "sub", recursive: true });
    expect((r.data as ListResult).entries.map((e) => e.path)).toEqual(["sub/b.txt", "sub/deeper", "sub/deeper/c.md"]);
  });

  it("reports links as symlinks and truncates at the entry limit", async () => {
    symlinkSync("a.txt", join(fx.root, "z-link"));
    const small = await harnessFor(fx.root, {}, { maxListEntries: 2 });
    try {
      const r = await small.execute("list", { recursive: true });
      expect(r.data).toMatchObject({ truncated: true });
      expect((r.data as ListResult).entries).toHaveLength(2);
    } finally {
      await small.teardown();
    }
    const all = (await h.execute("list")).data as ListResult;
    expect(all.entries.find((e) => e.name === "z-link")?.type).toBe("symlink");
  });

  it("fails with coded results for a file or a missing folder", async () => {
    expect(await h.execute("list", { path: "a.txt" })).toMatchObject({ code: "CORTEX_FILES_NOT_A_DIRECTORY" });
    expect(await h.execute("list", { path: "nope" })).toMatchObject({ code: "CORTEX_FILES_NOT_FOUND" });
  });
});

describe("read", () => {
  it("reads text and base64", async () => {
    expect(await h.execute("read", { path: "sub/b.txt" })).toMatchObject({
      success: true,
      data: { path: "sub/b.txt", encoding: "utf8", content: "bee", size: 3 },
    });
    const r = await h.execute("read", { path: "bin.dat", encoding: "base64" });
    expect(Buffer.from((r.data as { content: string }).content, "base64")).toEqual(Buffer.from([0, 1, 2, 255]));
  });

  it("fails with coded results for a folder or a missing file", async () => {
    expect(await h.execute("read", { path: "sub" })).toMatchObject({ success: false, code: "CORTEX_FILES_NOT_A_FILE" });
    expect(await h.execute("read", { path: "nope.txt" })).toMatchObject({
      success: false,
      code: "CORTEX_FILES_NOT_FOUND",
    });
  });
});

describe("write (CONFIRM)", () => {
  it("needs an approval: none throws APPROVAL_REQUIRED, a denial APPROVAL_DENIED, and nothing is written", async () => {
    const p = { path: "new.txt", content: "x" };
    await expect(h.execute("write", p)).rejects.toMatchObject({ code: "CORTEX_APPROVAL_REQUIRED" });
    await expect(h.execute("write", p, { approve: false })).rejects.toMatchObject({ code: "CORTEX_APPROVAL_DENIED" });
    expect(existsSync(join(fx.root, "new.txt"))).toBe(false);
  });

  it("creates a file and leaves no temporary file behind", async () => {
    const r = await h.execute("write", { path: "new.txt", content: "fresh" }, confirm);
    expect(r).toEqual({ success: true, data: { path: "new.txt", bytes: 5, created: true } });
    expect(readFileSync(join(fx.root, "new.txt"), "utf8")).toBe("fresh");
    expect(ls()).toEqual(["a.txt", "bin.dat", "new.txt", "sub"]);
  });

  it("refuses to replace a file without overwrite, replaces it with overwrite and keeps its mode", async () => {
    chmodSync(join(fx.root, "a.txt"), 0o640);
    const refused = await h.execute("write", { path: "a.txt", content: "new" }, confirm);
    expect(refused).toMatchObject({ success: false, code: "CORTEX_FILES_EXISTS" });
    expect(readFileSync(join(fx.root, "a.txt"), "utf8")).toBe("hello");
    const r = await h.execute("write", { path: "a.txt", content: "new", overwrite: true }, confirm);
    expect(r).toMatchObject({ success: true, data: { created: false } });
    expect(readFileSync(join(fx.root, "a.txt"), "utf8")).toBe("new");
    expect(statSync(join(fx.root, "a.txt")).mode & 0o777).toBe(0o640);
  });

  it("needs createDirectories for a missing parent folder", async () => {
    const p = { path: "x/y/z.txt", content: "deep" };
    expect(await h.execute("write", p, confirm)).toMatchObject({ success: false, code: "CORTEX_FILES_NOT_FOUND" });
    expect(existsSync(join(fx.root, "x"))).toBe(false);
    expect(await h.execute("write", { ...p, createDirectories: true }, confirm)).toMatchObject({ success: true });
    expect(readFileSync(join(fx.root, "x/y/z.txt"), "utf8")).toBe("deep");
  });

  it("writes base64 content and refuses content that is not base64", async () => {
    const bytes = Buffer.from([9, 8, 7, 0, 255]);
    const ok = await h.execute(
      "write",
      { path: "b.bin", content: bytes.toString("base64"), encoding: "base64" },
      confirm,
    );
    expect(ok).toMatchObject({ success: true, data: { bytes: 5 } });
    expect(readFileSync(join(fx.root, "b.bin"))).toEqual(bytes);
    const bad = await h.execute("write", { path: "c.bin", content: "not base64!", encoding: "base64" }, confirm);
    expect(bad).toMatchObject({ success: false, code: "CORTEX_FILES_INVALID_CONTENT" });
  });

  it("refuses to write over a folder, or below a file", async () => {
    const p = { content: "x", overwrite: true };
    expect(await h.execute("write", { ...p, path: "sub" }, confirm)).toMatchObject({ code: "CORTEX_FILES_NOT_A_FILE" });
    expect(await h.execute("write", { ...p, path: "a.txt/x" }, confirm)).toMatchObject({
      code: "CORTEX_FILES_NOT_A_DIRECTORY",
    });
  });
});

describe("move (CONFIRM)", () => {
  it("renames a file, refusing an existing destination unless overwrite", async () => {
    expect(await h.execute("move", { from: "a.txt", to: "sub/b.txt" }, confirm)).toMatchObject({
      code: "CORTEX_FILES_EXISTS",
    });
    const r = await h.execute("move", { from: "a.txt", to: "sub/b.txt", overwrite: true }, confirm);
    expect(r).toEqual({ success: true, data: { from: "a.txt", to: "sub/b.txt", type: "file", replaced: true } });
    expect(readFileSync(join(fx.root, "sub/b.txt"), "utf8")).toBe("hello");
    expect(existsSync(join(fx.root, "a.txt"))).toBe(false);
  });

  it("moves folders, but never into themselves or over a folder", async () => {
    expect(await h.execute("move", { from: "sub", to: "sub/deeper/sub" }, confirm)).toMatchObject({
      code: "CORTEX_FILES_INVALID_PATH",
    });
    mkdirSync(join(fx.root, "empty"));
    expect(await h.execute("move", { from: "a.txt", to: "empty", overwrite: true }, confirm)).toMatchObject({
      code: "CORTEX_FILES_NOT_A_FILE",
    });
    expect(await h.execute("move", { from: "sub", to: "moved" }, confirm)).toMatchObject({
      success: true,
      data: { type: "directory" },
    });
    expect(readFileSync(join(fx.root, "moved/deeper/c.md"), "utf8")).toBe("sea");
  });

  it("fails with coded results for a missing source or destination folder", async () => {
    expect(await h.execute("move", { from: "nope", to: "x" }, confirm)).toMatchObject({
      code: "CORTEX_FILES_NOT_FOUND",
    });
    expect(await h.execute("move", { from: "a.txt", to: "no/x" }, confirm)).toMatchObject({
      code: "CORTEX_FILES_NOT_FOUND",
    });
  });

  it("moves a link itself, not its target", async () => {
    symlinkSync("a.txt", join(fx.root, "link"));
    expect(await h.execute("move", { from: "link", to: "link2" }, confirm)).toMatchObject({
      data: { type: "symlink" },
    });
    expect(lstatSync(join(fx.root, "link2")).isSymbolicLink()).toBe(true);
    expect(existsSync(join(fx.root, "a.txt"))).toBe(true);
  });
});

describe("delete (ADMIN)", () => {
  it("needs an approval and an admin principal", async () => {
    await expect(h.execute("delete", { path: "a.txt" })).rejects.toMatchObject({ code: "CORTEX_FORBIDDEN" });
    await expect(h.execute("delete", { path: "a.txt" }, { admin: true })).rejects.toMatchObject({
      code: "CORTEX_APPROVAL_REQUIRED",
    });
    await expect(h.execute("delete", { path: "a.txt" }, confirm)).rejects.toMatchObject({ code: "CORTEX_FORBIDDEN" });
    expect(existsSync(join(fx.root, "a.txt"))).toBe(true);
  });

  it("deletes a file, an empty folder, and a full folder only with recursive", async () => {
    expect(await h.execute("delete", { path: "a.txt" }, admin)).toEqual({
      success: true,
      data: { path: "a.txt", type: "file" },
    });
    expect(await h.execute("delete", { path: "sub" }, admin)).toMatchObject({ code: "CORTEX_FILES_NOT_EMPTY" });
    expect(await h.execute("delete", { path: "sub", recursive: true }, admin)).toMatchObject({ success: true });
    mkdirSync(join(fx.root, "empty"));
    expect(await h.execute("delete", { path: "empty" }, admin)).toMatchObject({ data: { type: "directory" } });
    expect(ls()).toEqual(["bin.dat"]);
    expect(await h.execute("delete", { path: "a.txt" }, admin)).toMatchObject({ code: "CORTEX_FILES_NOT_FOUND" });
  });

  it("deletes a link, never its target", async () => {
    symlinkSync("sub", join(fx.root, "dir-link"));
    expect(await h.execute("delete", { path: "dir-link", recursive: true }, admin)).toMatchObject({
      data: { type: "symlink" },
    });
    expect(readFileSync(join(fx.root, "sub/b.txt"), "utf8")).toBe("bee");
  });
});

describe("setup and configuration", () => {
  it("asks the broker for files_root and both optional limits", async () => {
    // The registry checks the required key first; the plugin then reads each declared key once.
    expect(h.broker.requestedKeys).toEqual([
      "files_root",
      "files_root",
      "files_max_read_bytes",
      "files_max_write_bytes",
    ]);
    expect(h.plugin.root).toBe(fx.root);
    expect(h.plugin.limits).toMatchObject({ maxReadBytes: 1024 * 1024, maxWriteBytes: 1024 * 1024 });
  });

  it("reads its settings as settings, so the registry does not redact the limits from error text", async () => {
    expect(
      ["files_root", "files_max_read_bytes", "files_max_write_bytes"].filter((k) => !h.broker.wasRequestedAsSetting(k)),
    ).toEqual([]);
    const small = await harnessFor(fx.root, { files_max_read_bytes: "4", files_max_write_bytes: "3" });
    try {
      const read = await small.execute("read", { path: "a.txt" });
      expect(read).toMatchObject({ success: false, code: "CORTEX_FILES_TOO_LARGE" });
      expect(read.error).toContain('"a.txt" is 5 bytes, over the 4-byte limit (files_max_read_bytes)');
      const write = await small.execute("write", { path: "b.txt", content: "four" }, confirm);
      expect(write.error).toContain("over the 3-byte limit");
      expect(JSON.stringify([read, write])).not.toContain("[REDACTED]");
    } finally {
      await small.teardown();
    }
  });

  it("fails setup without files_root, naming its environment variable (the registry's check is the cause)", async () => {
    const error: unknown = await createPluginHarness(new FilesPlugin(), { credentials: {} }).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: "CORTEX_PLUGIN_NOT_READY",
      cause: { code: "CORTEX_CREDENTIALS_MISSING", missing: [{ key: "files_root", variable: "CORTEX_FILES_ROOT" }] },
    });
  });

  it.each([
    ["a missing root", { files_root: "/definitely/not/here" }],
    ["a file as root", { files_root: "FILE" }],
    ["a limit that is not a number", { files_max_read_bytes: "lots" }],
    ["a zero limit", { files_max_write_bytes: "0" }],
  ])("fails setup with CORTEX_FILES_INVALID_CONFIG for %s", async (_what, values) => {
    const credentials = { files_root: fx.root, ...values };
    if (credentials.files_root === "FILE") credentials.files_root = join(fx.root, "a.txt");
    const error: unknown = await createPluginHarness(new FilesPlugin(), { credentials }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "CORTEX_PLUGIN_NOT_READY", cause: { code: "CORTEX_FILES_INVALID_CONFIG" } });
  });

  it("treats only CORTEX_CREDENTIAL_MISSING as 'optional key not set'", async () => {
    const broken: CredentialBroker = {
      get: (key) => (key === "files_root" ? Promise.resolve(fx.root) : Promise.reject(new Error("vault down"))),
    };
    await expect(new FilesPlugin().setup(broken)).rejects.toThrow("vault down");
    const plugin = new FilesPlugin();
    await plugin.setup(new MemoryBroker({ files_root: fx.root, files_max_read_bytes: "2048" }));
    expect(plugin.limits).toMatchObject({ maxReadBytes: 2048, maxWriteBytes: 1024 * 1024 });
  });
});

describe("without setup, and health", () => {
  it("fails actions with CORTEX_FILES_NOT_CONFIGURED before setup and after teardown", async () => {
    const plugin = new FilesPlugin();
    expect(await plugin.executeAction("list", {})).toMatchObject({
      success: false,
      code: "CORTEX_FILES_NOT_CONFIGURED",
    });
    await plugin.setup(new FakeBroker({ files_root: fx.root }));
    expect(await plugin.executeAction("list", {})).toMatchObject({ success: true });
    await plugin.teardown();
    expect(await plugin.executeAction("list", {})).toMatchObject({ code: "CORTEX_FILES_NOT_CONFIGURED" });
  });

  it("answers an unknown action with a failure result, not a throw", async () => {
    const r = await new FilesPlugin().executeAction("format_disk", {});
    expect(r).toMatchObject({ success: false, code: "CORTEX_ACTION_NOT_FOUND" });
    expect(r.error).toContain("list, read, search, write, move, delete");
  });

  it("is UNKNOWN before setup, HEALTHY with a usable root, UNHEALTHY when the root is gone", async () => {
    expect(await new FilesPlugin().health()).toMatchObject({ plugin: "files", status: "UNKNOWN" });
    expect(await h.health()).toMatchObject({ plugin: "files", status: "HEALTHY" });
    rmSync(fx.root, { recursive: true });
    const report = await h.plugin.health();
    expect(report).toMatchObject({ plugin: "files", status: "UNHEALTHY" });
    expect(report.error).toMatch(/sandbox root unusable/);
    expect(await h.execute("list")).toMatchObject({ success: false, code: "CORTEX_FILES_NOT_FOUND" });
  });

  it("failures carry codes that are Cortex errors' codes", async () => {
    const plugin = new FilesPlugin();
    const error: unknown = await plugin.setup(new FakeBroker({ files_root: "/nope/nope" })).catch((e: unknown) => e);
    expect(isCortexError(error)).toBe(true);
  });
});
