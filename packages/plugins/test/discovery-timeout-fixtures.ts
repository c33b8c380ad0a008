import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { esmClass, manifest, writeTree } from "./discovery-fixtures.js";

/** How long the `late-*` fixtures wait before settling; longer than the limits the tests use. */
export const LATE_MS = 6_000;

/** Set on `globalThis` when the `late-factory` fixture's factory runs. */
export const LATE_FACTORY_FLAG = "__cortexLateFactoryCalled";

/** Every fixture package, in the order a host lists them by default. */
export const TIMEOUT_PACKAGES = [
  "hang-import",
  "hang-factory",
  "late-import",
  "late-factory",
  "mixed",
  "fails-fast",
  "good",
] as const;

export type TimeoutPackage = (typeof TIMEOUT_PACKAGES)[number];

/**
 * A host app in a fresh temp folder whose direct dependencies are `deps`
 * (in that order), installed from these plugin packages:
 *
 * - `hang-import` — its module top-level-awaits a promise that never settles;
 * - `hang-factory` — its factory returns a promise that never settles;
 * - `late-import` — its module rejects after {@link LATE_MS};
 * - `late-factory` — its module finishes after {@link LATE_MS}, and its
 *   factory sets `globalThis[LATE_FACTORY_FLAG]`;
 * - `mixed` — one hanging entry (`slow`) and one good one (`quick`);
 * - `fails-fast` — its module throws at once;
 * - `good` — a plain ESM plugin class.
 */
export function makeTimeoutHost(deps: readonly TimeoutPackage[] = TIMEOUT_PACKAGES): { root: string; app: string } {
  const root = mkdtempSync(join(tmpdir(), "cortex-discovery-timeout-"));
  const app = join(root, "app");
  writeTree(app, {
    "package.json": {
      name: "host-app",
      private: true,
      dependencies: Object.fromEntries(deps.map((d) => [d, "1.0.0"])),
    },
  });
  writeTree(join(root, "node_modules"), {
    "hang-import/package.json": manifest("hang-import", { "hang-import": "./index.mjs#P" }),
    "hang-import/index.mjs": `await new Promise(() => {});\n${esmClass("P", "hang-import")}`,
    "hang-factory/package.json": manifest("hang-factory", { "hang-factory": "./index.mjs#create" }),
    "hang-factory/index.mjs": `export function create() { return new Promise(() => {}); }\n`,
    "late-import/package.json": manifest("late-import", { "late-import": "./index.mjs#P" }),
    "late-import/index.mjs": `await new Promise((_, reject) => setTimeout(() => reject(new Error("late import failure")), ${LATE_MS}));
${esmClass("P", "late-import")}`,
    "late-factory/package.json": manifest("late-factory", { "late-factory": "./index.mjs#create" }),
    "late-factory/index.mjs": `await new Promise((resolve) => setTimeout(resolve, ${LATE_MS}));
${esmClass("P", "late-factory")}
export function create() { globalThis[${JSON.stringify(LATE_FACTORY_FLAG)}] = true; return new P(); }
`,
    "mixed/package.json": manifest("mixed", { slow: "./slow.mjs#P", quick: "./quick.mjs#P" }),
    "mixed/slow.mjs": `await new Promise(() => {});\n${esmClass("P", "slow")}`,
    "mixed/quick.mjs": esmClass("P", "quick"),
    "fails-fast/package.json": manifest("fails-fast", { "fails-fast": "./index.mjs#P" }),
    "fails-fast/index.mjs": `throw new Error("fails at once");\n`,
    "good/package.json": manifest("good", { good: "./index.mjs#Good" }),
    "good/index.mjs": esmClass("Good", "good"),
  });
  return { root, app };
}
