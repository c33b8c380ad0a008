import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { importOptional } from "../src/optional.js";

const project = mkdtempSync(join(tmpdir(), "cortex-optional-"));
afterAll(() => rmSync(project, { recursive: true, force: true }));
const installed = join(project, "node_modules", "@acme", "optional");
mkdirSync(installed, { recursive: true });
writeFileSync(
  join(installed, "package.json"),
  JSON.stringify({ name: "@acme/optional", type: "module", exports: { ".": { import: "./index.js" } } }),
);
writeFileSync(join(installed, "index.js"), 'export const from = "project";\n');

// What a failed `import("@acme/optional")` beside the CLI throws.
const missing = () =>
  Promise.reject(Object.assign(new Error("Cannot find package '@acme/optional'"), { code: "ERR_MODULE_NOT_FOUND" }));

describe("importOptional", () => {
  it("loads the copy installed in the project (from a folder below it too) before the one beside the CLI", async () => {
    const beside = () => Promise.resolve({ from: "beside the CLI" });
    expect(await importOptional("@acme/optional", "x", beside, project)).toEqual(
      expect.objectContaining({ from: "project" }),
    );
    mkdirSync(join(project, "src", "deep"), { recursive: true });
    expect(await importOptional("@acme/optional", "x", missing, join(project, "src", "deep"))).toEqual(
      expect.objectContaining({ from: "project" }),
    );
    expect(await importOptional("@acme/optional", "x", beside, tmpdir())).toEqual({ from: "beside the CLI" });
  });

  it("names the package and the command when it is installed in neither place", async () => {
    await expect(importOptional("@acme/optional", "frob", missing, tmpdir())).rejects.toMatchObject({
      code: "CORTEX_CLI_MISSING_PACKAGE",
      message: expect.stringMatching(/`cortex frob` needs @acme\/optional.*npm install @acme\/optional/) as string,
    });
  });

  it("keeps the error of a copy that is installed but broken", async () => {
    const broken = Object.assign(new Error("Cannot find package 'left-pad'"), { code: "ERR_MODULE_NOT_FOUND" });
    await expect(importOptional("@acme/optional", "x", () => Promise.reject(broken), tmpdir())).rejects.toBe(broken);
  });
});
