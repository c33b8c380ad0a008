import { readFile, realpath, stat } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { isPlainObject } from "./objects.js";

const isFile = (path: string) =>
  stat(path).then(
    (s) => s.isFile(),
    () => false,
  );

/**
 * Where `packageName` is installed as Node resolves it from `from`:
 * `<dir>/node_modules/<name>` from `from` up to the root, symlinks followed.
 * Undefined when it is not installed there or the name is not a package name.
 */
export async function findPackageDir(from: string, packageName: string): Promise<string | undefined> {
  if (!/^(@[^/\\]+\/)?[^/\\.][^/\\]*$/.test(packageName)) return undefined;
  for (let dir = resolve(from); ; dir = dirname(dir)) {
    const candidate = join(dir, "node_modules", ...packageName.split("/"));
    if (await isFile(join(candidate, "package.json"))) return realpath(candidate);
    if (dirname(dir) === dir) return undefined;
  }
}

/** The file a `.` specifier of the package loads: `exports["."]` (import/node/default/require), else `main`, else `index.js`; always starting with `./` or `../`. */
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

/**
 * The `file:` URL of the module `import(packageName)` would load from a file
 * in `from` (see {@link findPackageDir} and {@link mainEntry}), to import a
 * package a host installed rather than the caller's own copy. Undefined when
 * the package is not installed there; rejects when its package.json cannot
 * be read.
 */
export async function findPackageEntry(from: string, packageName: string): Promise<string | undefined> {
  const dir = await findPackageDir(from, packageName);
  if (dir === undefined) return undefined;
  const manifest: unknown = JSON.parse(await readFile(join(dir, "package.json"), "utf8"));
  if (!isPlainObject(manifest)) throw new Error(`${join(dir, "package.json")} does not hold a JSON object`);
  return pathToFileURL(join(dir, mainEntry(manifest))).href;
}
