import type { PluginHarness } from "@cortex/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { compileGlob, MAX_GLOB_LENGTH } from "../src/glob.js";
import type { FilesPlugin } from "../src/index.js";
import { harnessFor, makeFixture, type Fixture } from "./helpers.js";

let fx: Fixture;
let h: PluginHarness<FilesPlugin>;

beforeEach(async () => {
  fx = makeFixture();
  h = await harnessFor(fx.root);
});
afterEach(async () => {
  await h.teardown();
  fx.cleanup();
});

describe("glob matching takes linear time", () => {
  // A backtracking matcher needs more steps for these than the universe has seconds, so each test would hang
  // past vitest's timeout; the automaton answers after (text × pattern) steps. No clock is read: a loaded
  // machine cannot fail these, only a matcher that backtracks can.
  it("matches a pathological pattern", () => {
    expect(compileGlob("*a*a*a*a*a*a*a*a*a*b").matches("x", "a".repeat(40))).toBe(false);
  });

  it("matches long patterns against long paths", () => {
    expect(compileGlob("**a**a**a**a**a**a**a**a**a**b").matches("a".repeat(200), "x")).toBe(false);
    expect(compileGlob(`${"*a".repeat(120)}b`).matches("x", "a".repeat(4000))).toBe(false);
    expect(compileGlob(`${"*a".repeat(120)}b`).matches("x", `${"a".repeat(4000)}b`)).toBe(true);
  });

  it("agrees with the regular expression it replaces", () => {
    const legacy = (pattern: string, text: string) => {
      let source = "";
      for (let i = 0; i < pattern.length; i++) {
        const c = pattern[i] ?? "";
        if (c === "*" && pattern[i + 1] === "*") {
          const slash = pattern[i + 2] === "/";
          source += slash ? "(?:.*/)?" : ".*";
          i += slash ? 2 : 1;
        } else if (c === "*") source += "[^/]*";
        else if (c === "?") source += "[^/]";
        else source += c.replace(/[.+^${}()|[\]\\]/g, "\\$&");
      }
      return new RegExp(`^${source}$`).test(text);
    };
    const patterns = [
      "a/**/b",
      "**/b",
      "a/**",
      "**",
      "*/*",
      "a*b?c",
      "**b",
      "a/**/**/b",
      "?/**/*.ts",
      "*.*",
      "a**/b",
      "**/",
    ];
    const texts = ["a/b", "a/x/b", "a/x/y/b", "b", "ab", "a/", "x/y.ts", "a/b/c", "axbyc", "a.b", "/b", "a//b", ""];
    for (const pattern of patterns) {
      for (const text of texts) {
        expect(compileGlob(pattern).matches(text, text), `${pattern} on ${text}`).toBe(legacy(pattern, text));
      }
    }
  });

  it("refuses a glob over the length limit before the plugin runs", async () => {
    expect(MAX_GLOB_LENGTH).toBe(256);
    await expect(h.execute("search", { query: "x", glob: "*".repeat(257) })).rejects.toMatchObject({
      code: "CORTEX_VALIDATION_FAILED",
    });
  });
});
