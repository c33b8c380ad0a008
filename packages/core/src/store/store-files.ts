import { randomUUID } from "node:crypto";
import { mkdir, open, readFile, rename, rm, stat } from "node:fs/promises";
import { delay, InvalidOptionsError } from "@cortex/primitives";
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

/** How long a file lock may be held before others take it as abandoned by a crashed process, and how long they wait for it. */
export interface LockTimes {
  staleMs: number;
  waitMs: number;
}

/**
 * Runs `work` while holding `lockFile`, created exclusively (`wx`): across
 * processes, one holder at a time. A lock file older than `staleMs` was
 * left by a process that died while holding it and is taken over; waiting
 * longer than `waitMs` rejects with `CORTEX_RUN_STORE_FAILED`.
 */
export async function withFileLock<T>(lockFile: string, times: LockTimes, work: () => Promise<T>): Promise<T> {
  const started = Date.now();
  for (let attempt = 0; ; attempt++) {
    try {
      await (await open(lockFile, "wx", 0o600)).close();
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    const held = await stat(lockFile).catch(() => undefined);
    if (held !== undefined && Date.now() - held.mtimeMs > times.staleMs) {
      // Renamed away first: of several processes finding it stale, one takes it over.
      const stale = `${lockFile}.${randomUUID()}.stale`;
      if (
        await rename(lockFile, stale).then(
          () => true,
          () => false,
        )
      )
        await rm(stale, { force: true });
      continue;
    }
    if (Date.now() - started > times.waitMs) {
      throw new RunError("CORTEX_RUN_STORE_FAILED", `Waited ${times.waitMs} ms for the lock ${lockFile}`);
    }
    await delay(Math.min(25, 1 + attempt));
  }
  try {
    return await work();
  } finally {
    await rm(lockFile, { force: true });
  }
}

/** A rejected promise for what a synchronous store method threw, so it fails like the asynchronous ones. */
export function rejection(error: unknown): Promise<never> {
  return Promise.reject(error instanceof Error ? error : new Error(String(error)));
}
