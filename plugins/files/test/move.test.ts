import { existsSync, lstatSync, mkdirSync, readFileSync, readlinkSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import type { PluginHarness } from "@cortex/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { FilesPlugin } from "../src/index.js";
import { harnessFor, makeFixture, type Fixture } from "./helpers.js";

let fx: Fixture;
let h: PluginHarness<FilesPlugin>;

beforeEach(async () => {
  fx = makeFixture();
  // A folder inside the root named like the sibling outside it: "../outside" from d1/ stays inside.
  fx.write({ "a.txt": "hello", "outside/inner.txt": "inner", "sub/b.txt": "bee" });
  mkdirSync(join(fx.root, "d1"));
  symlinkSync("../outside", join(fx.root, "d1", "l"));
  h = await harnessFor(fx.root);
});
afterEach(async () => {
  await h.teardown();
  fx.cleanup();
});

const confirm = { approve: true } as const;
const admin = { approve: true, admin: true } as const;

describe("move never makes a link lead out", () => {
  it("refuses moving a relative link to where it would point outside", async () => {
    const r = await h.execute("move", { from: "d1/l", to: "l" }, confirm);
    expect(r).toMatchObject({ success: false, code: "CORTEX_FILES_OUTSIDE_SANDBOX" });
    expect(readlinkSync(join(fx.root, "d1", "l"))).toBe("../outside");
    expect(existsSync(join(fx.root, "l"))).toBe(false);
  });

  it("refuses a link moved into the place of a folder moved away", async () => {
    expect(await h.execute("move", { from: "sub", to: "sub-old" }, confirm)).toMatchObject({ success: true });
    expect(await h.execute("move", { from: "d1/l", to: "sub" }, confirm)).toMatchObject({
      code: "CORTEX_FILES_OUTSIDE_SANDBOX",
    });
    expect(
      await h.execute("write", { path: "sub/x/pwned.txt", content: "x", createDirectories: true }, confirm),
    ).toMatchObject({
      success: true,
    });
    expect(existsSync(join(fx.outside, "x"))).toBe(false);
  });

  it("refuses moving a folder holding a relative link that would then point outside", async () => {
    mkdirSync(join(fx.root, "p", "q"), { recursive: true });
    symlinkSync("../../outside", join(fx.root, "p", "q", "l")); // root/outside, from p/q
    const r = await h.execute("move", { from: "p/q", to: "q" }, confirm); // would be base/outside
    expect(r).toMatchObject({ success: false, code: "CORTEX_FILES_OUTSIDE_SANDBOX" });
    expect(r.error).toContain("p/q/l");
    expect(lstatSync(join(fx.root, "p", "q", "l")).isSymbolicLink()).toBe(true);
  });

  it("refuses moving a folder holding a link that already leads out", async () => {
    mkdirSync(join(fx.root, "p"));
    symlinkSync(fx.outside, join(fx.root, "p", "out"));
    expect(await h.execute("move", { from: "p", to: "p2" }, confirm)).toMatchObject({
      code: "CORTEX_FILES_OUTSIDE_SANDBOX",
    });
    expect(existsSync(join(fx.root, "p"))).toBe(true);
  });

  it("still moves links and folders whose links stay inside", async () => {
    mkdirSync(join(fx.root, "x"));
    expect(await h.execute("move", { from: "d1", to: "x/d1" }, confirm)).toMatchObject({ success: true }); // x/outside: dangling, inside
    mkdirSync(join(fx.root, "t"));
    symlinkSync("own.txt", join(fx.root, "t", "self")); // points into the moved folder itself
    fx.write({ "t/own.txt": "own" });
    symlinkSync("../a.txt", join(fx.root, "t", "up"));
    expect(await h.execute("move", { from: "t", to: "sub/t" }, confirm)).toMatchObject({ success: true });
    expect(await h.execute("read", { path: "sub/t/self" })).toMatchObject({ data: { content: "own" } });
  });
});

describe("a link is an entry of its own for delete and move", () => {
  it("deletes and moves a broken link", async () => {
    symlinkSync("gone.txt", join(fx.root, "broken"));
    symlinkSync("gone.txt", join(fx.root, "broken2"));
    expect(await h.execute("delete", { path: "broken" }, admin)).toMatchObject({
      success: true,
      data: { type: "symlink" },
    });
    expect(existsSync(join(fx.root, "broken"))).toBe(false);
    expect(await h.execute("move", { from: "broken2", to: "b2" }, confirm)).toMatchObject({
      data: { type: "symlink" },
    });
    expect(readlinkSync(join(fx.root, "b2"))).toBe("gone.txt");
  });

  it("deletes a link leading out (the link only), but never moves it", async () => {
    symlinkSync(join(fx.outside, "secret.txt"), join(fx.root, "link-out"));
    symlinkSync(join(fx.outside, "secret.txt"), join(fx.root, "link-out2"));
    expect(await h.execute("move", { from: "link-out2", to: "moved" }, confirm)).toMatchObject({
      code: "CORTEX_FILES_OUTSIDE_SANDBOX",
    });
    expect(await h.execute("delete", { path: "link-out" }, admin)).toMatchObject({ data: { type: "symlink" } });
    expect(readFileSync(join(fx.outside, "secret.txt"), "utf8")).toBe("top secret");
  });
});
