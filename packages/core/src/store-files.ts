import { randomUUID } from "node:crypto";
import { readFile, rename, writeFile } from "node:fs/promises";

const SAFE_ID = /^[A-Za-z0-9_.-]+$/;

/** True for an id that is safe as a file name; ids the engine makes always are. */
export function isSafeId(id: unknown): id is string {
  return typeof id === "string" && SAFE_ID.test(id) && !id.startsWith(".");
}

/** `id` itself; throws a TypeError when it is not safe as a file name. */
export function checkId(id: string): string {
  if (!isSafeId(id)) throw new TypeError(`Unsafe id for a file name: ${JSON.stringify(id)}`);
  return id;
}

/** Writes `text` to a temp file beside `file`, then renames it over `file`: readers see the old or the new text, never part of it. */
export async function writeAtomic(file: string, text: string): Promise<void> {
  const temp = `${file}.${randomUUID()}.tmp`;
  await writeFile(temp, text, { flag: "wx" });
  await rename(temp, file);
}

/** True for the error of a file or folder that does not exist. */
export const isMissing = (error: unknown): boolean => (error as NodeJS.ErrnoException).code === "ENOENT";

/** The file's text, or undefined when it does not exist. */
export async function readIfExists(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, "utf8");
  } catch (error) {
    if (isMissing(error)) return undefined;
    throw error;
  }
}
