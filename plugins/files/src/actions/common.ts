import type { Dirent, Stats } from "node:fs";
import { lstat, readdir, realpath } from "node:fs/promises";
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
 * never followed, so a walk never leaves the folder it started in: before
 * descending, a folder is resolved again with `realpath`, and skipped unless
 * it is still a real folder at that very path. Checks `signal` before each
 * folder and entry. `dir` must be a real path (as `ResolvedPath.real` is).
 */
export async function* walk(
  dir: string,
  display: string,
  recursive: boolean,
  signal: AbortSignal | undefined,
  prefix = "",
): AsyncGenerator<WalkEntry> {
  throwIfAborted(signal);
  const entries = await fsCall(prefix === "" ? display : childPath(display, prefix), () =>
    readdir(dir, { withFileTypes: true }),
  );
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const dirent of entries) {
    throwIfAborted(signal);
    const abs = join(dir, dirent.name);
    const rel = prefix === "" ? dirent.name : `${prefix}/${dirent.name}`;
    yield { abs, rel, dirent };
    // Looked at again just before descending: a folder swapped for a link since readdir is skipped.
    if (recursive && dirent.isDirectory() && (await isRealFolder(abs)))
      yield* walk(abs, display, recursive, signal, rel);
  }
}

/** True when `abs` is, right now, a folder reached without any symbolic link. */
async function isRealFolder(abs: string): Promise<boolean> {
  const real = await realpath(abs).catch(() => undefined);
  if (real !== abs) return false;
  const info = await lstat(abs).catch(() => undefined);
  return info?.isDirectory() === true;
}
