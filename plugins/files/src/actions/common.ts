import type { Dirent, Stats } from "node:fs";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import type { FilesLimits } from "../config.js";
import { FilesAbortedError, fromErrno } from "../errors.js";
import type { Sandbox } from "../sandbox.js";

/** What every action runs with: the sandbox, its limits and the call's abort signal. */
export interface ActionEnv {
  readonly sandbox: Sandbox;
  readonly limits: FilesLimits;
  readonly signal: AbortSignal | undefined;
}

/** Kind of an entry as actions report it. */
export type EntryType = "file" | "directory" | "symlink" | "other";

/** The {@link EntryType} of an `lstat` result or a directory entry (links are never followed). */
export function entryType(info: Stats | Dirent): EntryType {
  if (info.isSymbolicLink()) return "symlink";
  if (info.isFile()) return "file";
  if (info.isDirectory()) return "directory";
  return "other";
}

/** Runs a file-system call about `path`, turning Node errors into coded ones. */
export async function fsCall<T>(path: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw fromErrno(error, path) ?? error;
  }
}

/** Throws `CORTEX_FILES_ABORTED` when the call was aborted. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new FilesAbortedError(signal.reason);
}

/** `/`-joined display path of `name` under `base` (`"."` is the root). */
export function childPath(base: string, name: string): string {
  return base === "." ? name : `${base}/${name}`;
}

/** An entry met by {@link walk}. */
export interface WalkEntry {
  /** Absolute path. */
  readonly abs: string;
  /** Path relative to the folder walked, `/`-separated. */
  readonly rel: string;
  readonly dirent: Dirent;
}

/**
 * Entries under `dir`, sorted by name, depth first. Links are yielded but
 * never followed, so a walk never leaves the folder it started in. Checks
 * `signal` before each folder and entry.
 */
export async function* walk(
  dir: string,
  display: string,
  recursive: boolean,
  signal: AbortSignal | undefined,
  prefix = "",
): AsyncGenerator<WalkEntry> {
  throwIfAborted(signal);
  const entries = await fsCall(prefix === "" ? display : childPath(display, prefix), () => readdir(dir, { withFileTypes: true }));
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const dirent of entries) {
    throwIfAborted(signal);
    const abs = join(dir, dirent.name);
    const rel = prefix === "" ? dirent.name : `${prefix}/${dirent.name}`;
    yield { abs, rel, dirent };
    if (recursive && dirent.isDirectory()) yield* walk(abs, display, recursive, signal, rel);
  }
}
