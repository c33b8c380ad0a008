import { readFile, realpath, stat } from "node:fs/promises";
import { dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import { isPlainObject } from "@cortex/primitives";

/** Node's directory resolution: `<dir>/node_modules/<name>` from `from` up to the root, symlinks followed. */
export async function findPackageDir(from: string, packageName: string): Promise<string | undefined> {
  if (!/^(@[^/\\]+\/)?[^/\\.][^/\\]*$/.test(packageName)) return undefined;
  for (let dir = resolve(from); ; dir = dirname(dir)) {
    const candidate = join(dir, "node_modules", ...packageName.split("/"));
    if (await isFile(join(candidate, "package.json"))) return realpath(candidate);
    if (dirname(dir) === dir) return undefined;
  }
}

/** The package's main entry for a `.` specifier: `exports["."]` (import/node/default/require), else `main`, else `index.js`. */
export function mainEntry(manifest: Record<string, unknown>): string {
  let target: unknown = manifest.exports;
  if (isPlainObject(target) && "." in target) target = target["."];
  else if (isPlainObject(target) && Object.keys(target).some((k) => k.startsWith("."))) target = undefined;
  const picked = pickCondition(target) ?? (typeof manifest.main === "string" ? manifest.main : "index.js");
  return picked.startsWith("./") || picked.startsWith("../") ? picked : `./${picked}`;
}

function pickCondition(target: unknown): string | undefined {
  if (typeof target === "string") return target;
  if (Array.isArray(target)) return pickCondition(target[0]);
  if (!isPlainObject(target)) return undefined;
  for (const condition of ["import", "node", "default", "require"]) {
    if (condition in target) return pickCondition(target[condition]);
  }
  return undefined;
}

/** True when `file` is strictly inside `dir` (never `dir` itself). */
export function isInside(dir: string, file: string): boolean {
  const rel = relative(dir, file);
  return rel !== "" && !rel.startsWith(`..${sep}`) && rel !== ".." && !isAbsolute(rel);
}

/** True when `path` is a file; false when it is missing or anything else. */
export async function isFile(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isFile(),
    () => false,
  );
}

/** The JSON object in the file at `path`; rejects when it cannot be read, parsed, or is not an object. */
export async function readJson(path: string): Promise<Record<string, unknown>> {
  const parsed: unknown = JSON.parse(await readFile(path, "utf8"));
  if (!isPlainObject(parsed)) throw new Error(`${path} does not hold a JSON object`);
  return parsed;
}
