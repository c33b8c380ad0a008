import {
  constants,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import type * as fsPromises from "node:fs/promises";
import { join } from "node:path";
import type { PluginHarness } from "@cortex/testing";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { FakeBroker } from "@cortex/testing";
import { FilesPlugin } from "../src/index.js";
import { harnessFor, makeFixture, type Fixture } from "./helpers.js";

// Failures injected into the plugin's own file-system calls, one at a time.
const fail = vi.hoisted(() => ({
  rename: false,
  link: false,
  midWrite: false,
  rm: false,
  /** Runs just before the plugin's `open` (to swap a folder for a link, as a racing process could). */
  beforeOpen: undefined as ((path: string, flags: unknown) => void) | undefined,
  /** Runs once the temporary file is flushed (to abort the call at the last moment). */
  afterSync: undefined as (() => void) | undefined,
}));

vi.mock("node:fs/promises", async (importOriginal) => {
  const real = await importOriginal<typeof fsPromises>();
  const eio = () => Object.assign(new Error("EIO: i/o error (injected)"), { code: "EIO" });
  return {
    ...real,
    rename: async (...args: Parameters<typeof real.rename>) => {
      if (fail.rename) throw eio();
      return real.rename(...args);
    },
    link: async (...args: Parameters<typeof real.link>) => {
      if (fail.link) throw eio();
      return real.link(...args);
    },
    rm: async (...args: Parameters<typeof real.rm>) => {
      if (fail.rm) throw Object.assign(new Error("EBUSY: resource busy (injected)"), { code: "EBUSY" });
      return real.rm(...args);
    },
    open: async (...args: Parameters<typeof real.open>) => {
      fail.beforeOpen?.(String(args[0]), args[1]);
      const handle = await real.open(...args);
      if (fail.afterSync !== undefined && args[1] === "wx") {
        const sync = handle.sync.bind(handle);
        const after = fail.afterSync;
        handle.sync = async () => {
          await sync();
          after();
        };
      }
      if (!fail.midWrite || args[1] !== "wx") return handle;
      // A disk that fills up half way: part of the content lands, then the write fails.
      handle.writeFile = async (data: unknown) => {
        await real.appendFile(args[0], (data as Buffer).subarray(0, 3));
        throw Object.assign(new Error("ENOSPC: no space left on device (injected)"), { code: "ENOSPC" });
      };
      return handle;
    },
  };
});

let fx: Fixture;
let h: PluginHarness<FilesPlugin>;

beforeEach(async () => {
  fx = makeFixture();
  fx.write({ "keep.txt": "original content" });
  h = await harnessFor(fx.root);
});
afterEach(async () => {
  Object.assign(fail, {
    rename: false,
    link: false,
    midWrite: false,
    rm: false,
    beforeOpen: undefined,
    afterSync: undefined,
  });
  await h.teardown();
  fx.cleanup();
});

const entries = () => readdirSync(fx.root).sort();
const confirm = { approve: true } as const;

describe("atomic write", () => {
  it("a failing rename leaves the old content and no temporary file", async () => {
    fail.rename = true;
    const r = await h.execute("write", { path: "keep.txt", content: "new content", overwrite: true }, confirm);
    expect(r).toMatchObject({ success: false, code: "CORTEX_FILES_IO_ERROR" });
    expect(r.error).toContain("EIO");
    expect(readFileSync(join(fx.root, "keep.txt"), "utf8")).toBe("original content");
    expect(entries()).toEqual(["keep.txt"]);
  });

  it("a write failing half way leaves no partial file and no temporary file", async () => {
    fail.midWrite = true;
    const r = await h.execute("write", { path: "new.txt", content: "complete content" }, confirm);
    expect(r).toMatchObject({ success: false, code: "CORTEX_FILES_IO_ERROR" });
    expect(r.error).toContain("ENOSPC");
    expect(existsSync(join(fx.root, "new.txt"))).toBe(false);
    expect(entries()).toEqual(["keep.txt"]);
  });

  it("a write failing half way over an existing file keeps the old content whole", async () => {
    fail.midWrite = true;
    const r = await h.execute("write", { path: "keep.txt", content: "replacement", overwrite: true }, confirm);
    expect(r).toMatchObject({ success: false });
    expect(readFileSync(join(fx.root, "keep.txt"), "utf8")).toBe("original content");
    expect(entries()).toEqual(["keep.txt"]);
  });

  it("a failing no-clobber commit (link) leaves nothing behind", async () => {
    fail.link = true;
    const r = await h.execute("write", { path: "new.txt", content: "x" }, confirm);
    expect(r).toMatchObject({ success: false, code: "CORTEX_FILES_IO_ERROR" });
    expect(entries()).toEqual(["keep.txt"]);
  });

  it("the content is written to a temporary file in the same folder, then renamed", async () => {
    const r = await h.execute("write", { path: "keep.txt", content: "swapped", overwrite: true }, confirm);
    expect(r).toMatchObject({ success: true });
    expect(readFileSync(join(fx.root, "keep.txt"), "utf8")).toBe("swapped");
    expect(entries()).toEqual(["keep.txt"]);
  });

  it("a cleanup that fails does not hide why the write failed", async () => {
    fail.rename = true;
    fail.rm = true;
    const r = await h.execute("write", { path: "keep.txt", content: "new content", overwrite: true }, confirm);
    expect(r).toMatchObject({ success: false, code: "CORTEX_FILES_IO_ERROR" });
    expect(r.error).toContain("EIO");
    expect(readFileSync(join(fx.root, "keep.txt"), "utf8")).toBe("original content");
  });

  it("an abort after the content is flushed still commits nothing", async () => {
    const plugin = new FilesPlugin();
    await plugin.setup(new FakeBroker({ files_root: fx.root }));
    const controller = new AbortController();
    fail.afterSync = () => controller.abort(new Error("user cancelled"));
    const r = await plugin.executeAction(
      "write",
      { path: "new.txt", content: "late" },
      {
        signal: controller.signal,
        callId: "t",
      },
    );
    expect(r).toMatchObject({ success: false, code: "CORTEX_FILES_ABORTED" });
    expect(entries()).toEqual(["keep.txt"]);
  });

  it("uses a short temporary name, so a long legal file name can be written", async () => {
    const name = `${"n".repeat(240)}.txt`; // 244 bytes, under NAME_MAX (255)
    const r = await h.execute("write", { path: name, content: "hi" }, confirm);
    expect(r).toMatchObject({ success: true, data: { created: true } });
    expect(entries()).toEqual(["keep.txt", name].sort());
  });
});

describe("a folder swapped for a link between the check and the use", () => {
  // Once the path is resolved, just before the file itself (not a folder on the way) is opened.
  const swapSubForOutside = (_path: string, flags: unknown) => {
    if (typeof flags === "number" && (flags & constants.O_DIRECTORY) !== 0) return;
    fail.beforeOpen = undefined;
    renameSync(join(fx.root, "sub"), join(fx.root, "sub-old"));
    symlinkSync(fx.outside, join(fx.root, "sub"));
  };

  it("a write is refused, and nothing is left outside", async () => {
    mkdirSync(join(fx.root, "sub"));
    fail.beforeOpen = swapSubForOutside;
    const r = await h.execute("write", { path: "sub/new.txt", content: "pwned" }, confirm);
    expect(r).toMatchObject({ success: false, code: "CORTEX_FILES_OUTSIDE_SANDBOX" });
    expect(readdirSync(fx.outside)).toEqual(["secret.txt"]);
  });

  it("a read is refused instead of returning the file outside", async () => {
    mkdirSync(join(fx.root, "sub"));
    writeFileSync(join(fx.root, "sub", "secret.txt"), "inside");
    fail.beforeOpen = swapSubForOutside;
    const r = await h.execute("read", { path: "sub/secret.txt" });
    expect(r).toMatchObject({ success: false, code: "CORTEX_FILES_OUTSIDE_SANDBOX" });
    expect(JSON.stringify(r)).not.toContain("top secret");
  });

  it("a search skips the swapped file", async () => {
    mkdirSync(join(fx.root, "sub"));
    writeFileSync(join(fx.root, "sub", "secret.txt"), "inside");
    fail.beforeOpen = swapSubForOutside;
    const r = await h.execute("search", { query: "secret" });
    expect(r.success).toBe(true);
    expect(JSON.stringify(r)).not.toContain("top secret");
  });
});
