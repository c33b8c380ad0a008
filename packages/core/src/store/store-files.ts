import { mkdir, readFile } from "node:fs/promises";
import { InvalidOptionsError } from "@cortex/primitives";
import { RunError } from "../errors.js";
import { shown, toJson } from "../json.js";

const SAFE_ID = /^[A-Za-z0-9_.-]+$/;

/** True for an id that is safe as a file name; ids the engine makes always are. */
export function isSafeId(id: unknown): id is string {
  return typeof id === "string" && SAFE_ID.test(id) && !id.startsWith(".");
}

/** `id` itself; `CORTEX_INVALID_OPTIONS` naming `option` when it is not safe as a file name. */
export function checkId(id: string, option: string): string {
  if (!isSafeId(id)) throw new InvalidOptionsError(option, `Unsafe id for a file name: ${shown(id)}`);
  return id;
}

/** The error of a value a store cannot keep because JSON cannot hold it. */
export function notStorable(what: string): RunError {
  return new RunError("CORTEX_RUN_STORE_FAILED", `${what} cannot be stored: JSON cannot hold it`);
}

/** What a store keeps of `value`: its JSON text, or `CORTEX_RUN_STORE_FAILED` when JSON cannot hold it. */
export function storedJson(value: unknown, what: string): string {
  const text = toJson(value);
  if (text === undefined) throw notStorable(what);
  return text;
}

/** Creates `folder` (and its parents) readable by the owner only, like the files written in it. */
export async function makeFolder(folder: string): Promise<void> {
  await mkdir(folder, { recursive: true, mode: 0o700 });
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
