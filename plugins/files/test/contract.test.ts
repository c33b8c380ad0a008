import { mkdtempSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { checkPluginContract } from "@cortex/testing";
import { describePluginContract } from "@cortex/testing/vitest";
import { afterAll, describe, expect, it } from "vitest";
import { FilesPlugin } from "../src/index.js";

const root = realpathSync(mkdtempSync(join(tmpdir(), "cortex-files-contract-")));
afterAll(() => rmSync(root, { recursive: true, force: true }));

// Params that pass validation, so the approval check proves the tier stopped the call.
const validParams = {
  write: { path: "contract.txt", content: "x" },
  move: { from: "a.txt", to: "b.txt" },
  delete: { path: "a.txt" },
};

describePluginContract("files plugin contract", () => new FilesPlugin(), {
  credentials: { files_root: root },
  validParams,
});

describe("checkPluginContract", () => {
  it("passes every check, framework free", async () => {
    const report = await checkPluginContract(() => new FilesPlugin(), {
      credentials: { files_root: root },
      validParams,
    });
    expect(report.checks.filter((c) => !c.passed)).toEqual([]);
    expect(report.passed).toBe(true);
  });
});
