import { readFile, stat } from "node:fs/promises";
import { isAbsolute, relative, sep } from "node:path";
import { isPlainObject } from "@cortex/primitives";

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
