import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { findPackageDir, findPackageEntry, mainEntry } from "../src/index.js";

const root = realpathSync(mkdtempSync(join(tmpdir(), "cortex-packages-")));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function pkg(dir: string, manifest: unknown): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "package.json"), typeof manifest === "string" ? manifest : JSON.stringify(manifest));
  return dir;
}

// root/node_modules holds the packages; root/app/src is where the lookups start.
const modules = join(root, "node_modules");
const app = join(root, "app", "src");
mkdirSync(app, { recursive: true });
pkg(join(modules, "@acme", "scoped"), {
  name: "@acme/scoped",
  exports: { ".": { import: { types: "./dist/index.d.ts", default: "./dist/index.js" }, require: "./dist/index.cjs" } },
});
pkg(join(modules, "plain-main"), { name: "plain-main", main: "lib/main.js" });
pkg(join(modules, "bare"), { name: "bare" });
pkg(join(modules, "broken"), "{ not json");
const real = pkg(join(root, "store", "linked@1.0.0"), { name: "linked", exports: "./linked.js" });
symlinkSync(real, join(modules, "linked"), "dir");

describe("findPackageDir", () => {
  it("walks up from the folder like Node, follows symlinks, and refuses what is not a package name", async () => {
    expect(await findPackageDir(app, "@acme/scoped")).toBe(join(modules, "@acme", "scoped"));
    expect(await findPackageDir(app, "linked")).toBe(real);
    expect(await findPackageDir(app, "nothing-here")).toBeUndefined();
    for (const name of ["../escape", "./bare", "@acme/../bare", ".hidden", ""])
      expect(await findPackageDir(app, name)).toBeUndefined();
  });
});

describe("mainEntry", () => {
  it("picks exports['.'] by import, node, default, require; else main; else index.js, always relative", () => {
    expect(mainEntry({ exports: { ".": { import: { default: "./esm.js" }, require: "./cjs.js" } } })).toBe("./esm.js");
    expect(mainEntry({ exports: { ".": { node: "./node.js", default: "./d.js" } } })).toBe("./node.js");
    expect(mainEntry({ exports: { ".": [{ require: "./first.cjs" }, "./second.js"] } })).toBe("./first.cjs");
    expect(mainEntry({ exports: "dist/x.js" })).toBe("./dist/x.js");
    expect(mainEntry({ exports: { "./sub": "./sub.js" }, main: "m.js" })).toBe("./m.js");
    expect(mainEntry({ main: "../up.js" })).toBe("../up.js");
    expect(mainEntry({})).toBe("./index.js");
  });
});

describe("findPackageEntry", () => {
  it("is the file URL import() would load from the folder, or undefined when not installed", async () => {
    const url = (...path: string[]) => pathToFileURL(join(...path)).href;
    expect(await findPackageEntry(app, "@acme/scoped")).toBe(url(modules, "@acme", "scoped", "dist", "index.js"));
    expect(await findPackageEntry(app, "plain-main")).toBe(url(modules, "plain-main", "lib", "main.js"));
    expect(await findPackageEntry(app, "bare")).toBe(url(modules, "bare", "index.js"));
    expect(await findPackageEntry(app, "linked")).toBe(url(real, "linked.js"));
    expect(await findPackageEntry(app, "nothing-here")).toBeUndefined();
  });

  it("rejects when the package's package.json cannot be parsed", async () => {
    await expect(findPackageEntry(app, "broken")).rejects.toThrow(SyntaxError);
  });
});
