import type { Dirent, Stats } from "node:fs";
import { readdir } from "node:fs/promises";
import type { FilesLimits } from "../config.js";
import { FilesAbortedError, fsCall } from "../errors.js";
import type { Folder } from "../folder.js";
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

/** Throws `CORTEX_FILES_ABORTED` when the call was aborted. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new FilesAbortedError(signal.reason);
}

/** Runs `act` with the folder of `located`, and closes the folder whatever happens. */
export async function using<T extends { readonly folder: Folder }, R>(
  located: T,
  act: (at: T) => Promise<R>,
): Promise<R> {
  try {
    return await act(located);
  } finally {
    await located.folder.close();
  }
}

/** `/`-joined display path of `name` under `base` (`"."` is the root). */
export function childPath(base: string, name: string): string {
  return base === "." ? name : `${base}/${name}`;
}

/** An entry met by {@link walk}. */
export interface WalkEntry {
  /** The real folder holding it, open while the entry is handled. */
  readonly folder: Folder;
  /** Path relative to the folder walked, `/`-separated. */
  readonly rel: string;
  readonly dirent: Dirent;
}

/**
 * Entries under `folder`, sorted by name, depth first. Links are yielded but
 * never followed, so a walk never leaves the folder it started in: each
 * sub-folder is opened from its parent without following a link, and skipped
 * when it is no longer a real folder. Checks `signal` before each folder and
 * entry. `display` is `folder`'s path from the root, for messages.
 */
export async function* walk(
  folder: Folder,
  display: string,
  recursive: boolean,
  signal: AbortSignal | undefined,
  prefix = "",
): AsyncGenerator<WalkEntry> {
  throwIfAborted(signal);
  const here = prefix === "" ? display : childPath(display, prefix);
  const entries = await fsCall(here, () => readdir(folder.self, { withFileTypes: true }));
  // By path, the listing is trusted only when the folder is still where it was found.
  if (folder.anchoring === "path" && !(await folder.inPlace())) return;
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const dirent of entries) {
    throwIfAborted(signal);
    const rel = prefix === "" ? dirent.name : `${prefix}/${dirent.name}`;
    yield { folder, rel, dirent };
    if (!recursive || !dirent.isDirectory()) continue;
    const child = await folder.child(dirent.name).catch(() => undefined); // swapped for a link, or gone
    if (child === undefined) continue;
    try {
      yield* walk(child, display, recursive, signal, rel);
    } finally {
      await child.close();
    }
  }
}
