import { mkdirSync, renameSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { walk } from "../src/actions/common.js";
import { Sandbox } from "../src/index.js";
import { makeFixture, type Fixture } from "./helpers.js";

let fx: Fixture;

beforeEach(() => {
  fx = makeFixture();
  // A folder inside the root named like the sibling outside it: "../outside" from d1/ stays inside.
  fx.write({ "a.txt": "hello", "outside/inner.txt": "inner", "sub/b.txt": "bee" });
  mkdirSync(join(fx.root, "d1"));
  symlinkSync("../outside", join(fx.root, "d1", "l"));
});
afterEach(() => {
  fx.cleanup();
});

describe("walk", () => {
  it("does not descend into a folder swapped for a link after it was listed", async () => {
    const seen: string[] = [];
    const { folder } = await (await Sandbox.open(fx.root)).openFolder(".");
    for await (const { rel } of walk(folder, ".", true, undefined)) {
      seen.push(rel);
      if (rel === "sub") {
        renameSync(join(fx.root, "sub"), join(fx.root, "sub-old"));
        symlinkSync(fx.outside, join(fx.root, "sub"));
      }
    }
    await folder.close();
    expect(seen).toContain("sub");
    expect(seen.filter((p) => p.startsWith("sub/"))).toEqual([]);
  });
});
