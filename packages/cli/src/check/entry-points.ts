import { execFile } from "node:child_process";
import { isPlainObject, mainEntry } from "@cortex/primitives";

/** A file package.json promises to ship, and the field that names it. */
export interface EntryPoint {
  /** Path inside the package, without `./`, with `/` separators. */
  path: string;
  /** Where it is named, e.g. `exports["."].import.default`. */
  field: string;
}

const normalize = (p: string) => p.replace(/\\/g, "/").replace(/^\.\//, "");

/**
 * Every file the manifest names as an entry point: `main`, `module`,
 * `types`/`typings`, each leaf of `exports` (patterns with `*` skipped),
 * `bin`, and the module of each `cortex.plugins` entry (`.` meaning the main
 * entry, as discovery resolves it).
 */
export function entryPoints(manifest: Record<string, unknown>): EntryPoint[] {
  const found: EntryPoint[] = [];
  const add = (value: unknown, field: string) => {
    if (typeof value === "string" && value !== "" && !value.includes("*"))
      found.push({ path: normalize(value), field });
  };
  for (const field of ["main", "module", "types", "typings"]) add(manifest[field], field);
  const walk = (value: unknown, field: string): void => {
    if (typeof value === "string") add(value, field);
    else if (Array.isArray(value)) value.forEach((v, i) => walk(v, `${field}[${i}]`));
    else if (isPlainObject(value))
      for (const [k, v] of Object.entries(value)) walk(v, `${field}[${JSON.stringify(k)}]`);
  };
  walk(manifest.exports, "exports");
  if (typeof manifest.bin === "string") add(manifest.bin, "bin");
  else if (isPlainObject(manifest.bin))
    for (const [k, v] of Object.entries(manifest.bin)) add(v, `bin[${JSON.stringify(k)}]`);
  const plugins = isPlainObject(manifest.cortex) ? manifest.cortex.plugins : undefined;
  if (isPlainObject(plugins)) {
    for (const [key, spec] of Object.entries(plugins)) {
      if (typeof spec !== "string") continue;
      const module = spec.split("#")[0] ?? "";
      add(module === "." ? mainEntry(manifest) : module, `cortex.plugins[${JSON.stringify(key)}]`);
    }
  }
  // "./package.json" is always packed; listing it would only add noise.
  return found.filter((e) => e.path !== "package.json");
}

/**
 * The files `npm pack` would publish from `dir` (`npm pack --dry-run --json`,
 * lifecycle scripts off so nothing is built or changed).
 */
export function packedFiles(dir: string, env: NodeJS.ProcessEnv = process.env): Promise<Set<string>> {
  return new Promise((resolve, reject) => {
    execFile(
      process.platform === "win32" ? "npm.cmd" : "npm",
      ["pack", "--dry-run", "--json", "--ignore-scripts"],
      { cwd: dir, env, timeout: 120_000, maxBuffer: 64 * 1024 * 1024, shell: process.platform === "win32" },
      (error, stdout, stderr) => {
        if (error) {
          reject(new Error(`npm pack --dry-run failed: ${stderr.trim() || error.message}`, { cause: error }));
          return;
        }
        try {
          // npm may print lifecycle noise before the JSON; the report is the last top-level array.
          const json = stdout.slice(stdout.indexOf("["));
          const [report] = JSON.parse(json) as [{ files?: { path: string }[] }];
          resolve(new Set((report.files ?? []).map((f) => normalize(f.path))));
        } catch (parseError) {
          reject(new Error(`cannot read the output of npm pack --dry-run --json: ${(parseError as Error).message}`));
        }
      },
    );
  });
}
