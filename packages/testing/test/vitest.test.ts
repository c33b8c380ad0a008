import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it, test as base } from "vitest";
import { CONTRACT_CHECKS, createPluginHarness, HarnessUsageError, type PluginHarness } from "../src/index.js";
import { describePluginContract, usePluginHarness } from "../src/vitest.js";
import { NOTES_CREDENTIALS, NOTES_VALID_PARAMS, NotesPlugin } from "./fixtures/broken-plugin.js";

describe("usePluginHarness", () => {
  const made: NotesPlugin[] = [];
  const harness = usePluginHarness(
    () => {
      const plugin = new NotesPlugin();
      made.push(plugin);
      return plugin;
    },
    { credentials: NOTES_CREDENTIALS },
  );

  beforeAll(() => {
    expect(() => harness()).toThrow(HarnessUsageError);
    expect(() => harness()).toThrow(/only while a test runs/);
  });

  it("gives each test a harness set up with a fresh plugin", async () => {
    expect(harness().state()).toBe("ready");
    await expect(harness().execute("list")).resolves.toEqual({ success: true, data: ["first"] });
    await expect(harness().execute("add", { title: "x" })).rejects.toMatchObject({ code: "CORTEX_APPROVAL_REQUIRED" });
  });

  it("tore the previous test's harness down and made a new one", () => {
    expect(made).toHaveLength(2);
    expect(made[0]!.calls.teardown).toBe(1);
    expect(harness().plugin).toBe(made[1]);
    expect(made[1]!.calls.teardown).toBe(0);
  });
});

describe("usePluginHarness with options from a function", () => {
  let built = 0;
  const harness = usePluginHarness(
    () => new NotesPlugin(),
    () => {
      built += 1;
      return { credentials: NOTES_CREDENTIALS };
    },
  );
  it("builds the options per test", () => {
    expect(built).toBe(1);
    expect(harness().broker.requestedKeys).toEqual(["notes_token"]);
  });
});

// The fixture style of the spec's pytest example, with vitest's test.extend.
const test = base.extend<{ harness: PluginHarness<NotesPlugin> }>({
  // eslint-disable-next-line no-empty-pattern -- vitest requires a destructuring pattern here
  harness: async ({}, use) => {
    const harness = await createPluginHarness(new NotesPlugin(), { credentials: NOTES_CREDENTIALS });
    await use(harness);
    await harness.teardown();
  },
});

test("a harness works as a test.extend fixture", async ({ harness }) => {
  await expect(harness.execute("list")).resolves.toMatchObject({ success: true });
});

describePluginContract("describePluginContract on a correct plugin", () => new NotesPlugin(), {
  credentials: NOTES_CREDENTIALS,
  validParams: NOTES_VALID_PARAMS,
});

describe("describePluginContract on a broken plugin", () => {
  it("declares one test per check and fails only the broken check, with its message", async () => {
    const root = fileURLToPath(new URL("..", import.meta.url));
    const out = mkdtempSync(join(tmpdir(), "cortex-contract-"));
    const report = join(out, "report.json");
    const vitest = join(dirname(createRequire(import.meta.url).resolve("vitest/package.json")), "vitest.mjs");
    try {
      await promisify(execFile)(
        process.execPath,
        [vitest, "run", "--config", "test/fixtures/vitest.fixture.config.ts", "--outputFile", report],
        { cwd: root },
      ).catch(() => undefined); // exits non-zero: a test failed, as intended
      const results = JSON.parse(readFileSync(report, "utf8")) as {
        testResults: { assertionResults: { title: string; status: string; failureMessages: string[] }[] }[];
      };
      const tests = results.testResults.flatMap((f) => f.assertionResults);
      expect(tests.map((t) => t.title)).toEqual(Object.values(CONTRACT_CHECKS));
      const failed = tests.filter((t) => t.status !== "passed");
      expect(failed.map((t) => t.title)).toEqual(["reports health naming itself"]);
      expect(failed[0]!.failureMessages[0]).toContain(
        'plugin contract "health" failed: health() report names plugin "someone-else" instead of "notes"',
      );
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
    // A whole vitest starts in a child process: seconds alone, minutes where every package's tests share two cores.
  }, 180_000);
});
