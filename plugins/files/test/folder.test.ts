import { existsSync, readdirSync, readFileSync, renameSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import type * as fsPromises from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { Sandbox } from "../src/index.js";
import { harnessFor, makeFixture, type Fixture } from "./helpers.js";

// Hooks into the plugin's own file-system calls: `/proc` hidden (a system
// without it), and a moment to swap a folder, as a racing process could.
const hook = vi.hoisted(() => ({
  hideProc: false,
  afterMkdir: undefined as ((path: string) => void) | undefined,
  beforeReaddir: undefined as ((path: string) => void) | undefined,
}));

vi.mock("node:fs/promises", async (importOriginal) => {
  const real = await importOriginal<typeof fsPromises>();
  return {
    ...real,
    stat: async (...args: Parameters<typeof real.stat>) => {
      if (hook.hideProc && String(args[0]).startsWith("/proc/")) {
        throw Object.assign(new Error("ENOENT (hidden)"), { code: "ENOENT" });
      }
      return real.stat(...args);
    },
    mkdir: async (...args: Parameters<typeof real.mkdir>) => {
      const made = await real.mkdir(...args);
      hook.afterMkdir?.(String(args[0]));
      return made;
    },
    readdir: (async (...args: Parameters<typeof real.readdir>) => {
      hook.beforeReaddir?.(String(args[0]));
      return real.readdir(...args);
    }) as typeof real.readdir,
  };
});

let fx: Fixture;
beforeEach(() => {
  fx = makeFixture();
  fx.write({ "sub/x.txt": "inside", "tree/a/1.txt": "1", "tree/b/2.txt": "2", "tree/c.txt": "c" });
  fx.write({ "b/keep.txt": "outside, keep" }, fx.outside);
});
afterEach(() => {
  Object.assign(hook, { hideProc: false, afterMkdir: undefined, beforeReaddir: undefined });
  fx.cleanup();
});

const confirm = { approve: true } as const;
const admin = { approve: true, admin: true } as const;
const swap = (name: string, to = fx.outside) => {
  renameSync(join(fx.root, name), join(fx.root, `${name}-old`));
  symlinkSync(to, join(fx.root, name));
};
const outsideListing = () => readdirSync(fx.outside).sort();

describe.runIf(process.platform === "linux")("descriptor anchoring (Linux)", () => {
  it("is what the sandbox uses where /proc/self/fd works", async () => {
    expect((await Sandbox.open(fx.root)).anchoring).toBe("descriptor");
  });

  it("lands a step in the folder it opened, even after that folder was swapped for a link leading out", async () => {
    const sandbox = await Sandbox.open(fx.root);
    const at = await sandbox.locate("sub/new.txt", { follow: false });
    swap("sub");
    writeFileSync(at.folder.at(at.name), "written through the descriptor");
    expect(await at.folder.inPlace()).toBe(false);
    await at.folder.close();
    expect(outsideListing()).toEqual(["b", "secret.txt"]);
    expect(readFileSync(join(fx.root, "sub-old", "new.txt"), "utf8")).toBe("written through the descriptor");
  });

  it("closes every descriptor it opens, whatever the action's outcome", async () => {
    const h = await harnessFor(fx.root);
    const open = () => readdirSync("/proc/self/fd").length;
    const before = open();
    for (let i = 0; i < 10; i++) {
      await h.execute("write", { path: `d${i}/e/f.txt`, content: "x", createDirectories: true }, confirm);
      await h.execute("read", { path: `d${i}/e/f.txt` });
      await h.execute("read", { path: "missing/deep/file.txt" });
      await h.execute("list", { path: ".", recursive: true });
      await h.execute("search", { query: "x" });
      await h.execute("move", { from: `d${i}`, to: `m${i}` }, confirm);
      await h.execute("delete", { path: `m${i}`, recursive: true }, admin);
      await h.execute("write", { path: "sub/x.txt/nope", content: "x" }, confirm);
    }
    // A leak would leave at least one descriptor per call (80 calls).
    expect(open() - before).toBeLessThan(5);
    await h.teardown();
  }, 60_000);
});

describe.each([false, true])("Folder.child (with /proc hidden: %s)", (hideProc) => {
  it("opens a real folder, and refuses a link to one, a file, and nothing", async () => {
    hook.hideProc = hideProc;
    const sandbox = await Sandbox.open(fx.root);
    symlinkSync(join(fx.root, "tree"), join(fx.root, "tree-link"));
    const { folder: root } = await sandbox.openFolder(".");
    const tree = await root.child("tree");
    expect(tree).toMatchObject({ rel: "tree", abs: join(fx.root, "tree") });
    expect(readdirSync(tree.self).sort()).toEqual(["a", "b", "c.txt"]);
    await tree.close();
    for (const name of ["tree-link", "tree/c.txt", "missing"]) {
      const error = await root.child(name).catch((e: unknown) => e);
      expect((error as { code?: string }).code, name).toMatch(/^(ELOOP|ENOTDIR|ENOENT)$/);
    }
    await root.close();
  });
});

describe("the walk from the root, under swaps at the worst moment", () => {
  it("never creates a folder outside when a folder it just created is swapped for a link", async () => {
    const h = await harnessFor(fx.root);
    hook.afterMkdir = () => {
      if (!existsSync(join(fx.root, "made"))) return;
      hook.afterMkdir = undefined;
      swap("made");
    };
    const r = await h.execute("write", { path: "made/deep/f.txt", content: "x", createDirectories: true }, confirm);
    expect(r).toMatchObject({ success: false, code: "CORTEX_FILES_OUTSIDE_SANDBOX" });
    expect(outsideListing()).toEqual(["b", "secret.txt"]);
    await h.teardown();
  });

  it("a recursive delete removes a folder swapped for a link as a link, never what it leads to", async () => {
    const h = await harnessFor(fx.root);
    const outsideB = statSync(join(fx.outside, "b"));
    hook.beforeReaddir = () => {
      if (!existsSync(join(fx.root, "tree", "b", "2.txt"))) return;
      hook.beforeReaddir = undefined;
      renameSync(join(fx.root, "tree", "b"), join(fx.root, "b-old"));
      symlinkSync(join(fx.outside, "b"), join(fx.root, "tree", "b"));
    };
    const r = await h.execute("delete", { path: "tree", recursive: true }, admin);
    expect(r).toMatchObject({ success: true, data: { path: "tree", type: "directory" } });
    expect(existsSync(join(fx.root, "tree"))).toBe(false);
    expect(readFileSync(join(fx.outside, "b", "keep.txt"), "utf8")).toBe("outside, keep");
    expect(statSync(join(fx.outside, "b")).mtimeMs).toBe(outsideB.mtimeMs);
    await h.teardown();
  });
});

describe("path anchoring (systems without /proc/self/fd)", () => {
  beforeEach(() => {
    hook.hideProc = true;
  });

  it("is what the sandbox falls back to", async () => {
    expect((await Sandbox.open(fx.root)).anchoring).toBe("path");
  });

  it("runs every action", async () => {
    const h = await harnessFor(fx.root);
    expect((await h.plugin.health()).details).toMatchObject({ anchoring: "path" });
    expect(
      await h.execute("write", { path: "n/o/p.txt", content: "hi", createDirectories: true }, confirm),
    ).toMatchObject({ success: true, data: { created: true } });
    expect(await h.execute("read", { path: "n/o/p.txt" })).toMatchObject({ data: { content: "hi" } });
    expect(await h.execute("search", { query: "hi" })).toMatchObject({ data: { matches: [{ path: "n/o/p.txt" }] } });
    expect(await h.execute("list", { path: "n", recursive: true })).toMatchObject({
      data: { entries: [{ path: "n/o" }, { path: "n/o/p.txt" }] },
    });
    expect(await h.execute("move", { from: "n", to: "sub/n" }, confirm)).toMatchObject({ success: true });
    expect(await h.execute("delete", { path: "sub", recursive: true }, admin)).toMatchObject({ success: true });
    expect(readdirSync(fx.root).sort()).toEqual(["tree"]);
    expect(await h.execute("read", { path: "../outside/secret.txt" })).toMatchObject({
      code: "CORTEX_FILES_OUTSIDE_SANDBOX",
    });
    await h.teardown();
  });

  it("refuses a step in a folder swapped for a link since it was found, before taking it", async () => {
    const sandbox = await Sandbox.open(fx.root);
    const at = await sandbox.locate("sub/x.txt", { follow: false });
    swap("sub");
    await expect(at.folder.step("sub/x.txt", async () => "not run")).rejects.toMatchObject({
      code: "CORTEX_FILES_OUTSIDE_SANDBOX",
    });
    expect(readFileSync(join(fx.outside, "secret.txt"), "utf8")).toBe("top secret");
  });
});
