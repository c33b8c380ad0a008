import { existsSync, readdirSync, readFileSync } from "node:fs";
import type * as fsPromises from "node:fs/promises";
import { join } from "node:path";
import type { PluginHarness } from "@cortex/testing";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { FilesPlugin } from "../src/index.js";
import { harnessFor, makeFixture, type Fixture } from "./helpers.js";

// Failures injected into the plugin's own file-system calls, one at a time.
const fail = vi.hoisted(() => ({ rename: false, link: false, midWrite: false }));

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
    open: async (...args: Parameters<typeof real.open>) => {
      const handle = await real.open(...args);
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
  Object.assign(fail, { rename: false, link: false, midWrite: false });
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
});
