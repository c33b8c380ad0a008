import { lstat, readdir, rmdir, unlink } from "node:fs/promises";
import { FileNotFoundError, InvalidPathError, NotEmptyError, errnoOf, fromErrno, fsCall } from "../errors.js";
import type { Folder } from "../folder.js";
import type { DeleteParams } from "../schemas.js";
import { childPath, entryType, throwIfAborted, using, type ActionEnv, type EntryType } from "./common.js";

/** Data of a successful `delete`. */
export interface DeleteResult {
  path: string;
  type: EntryType;
}

/** Times a folder is emptied again when something was added to it while it was being emptied. */
const EMPTY_ATTEMPTS = 3;

/**
 * `delete`: a file, a link (never its target) or a folder (only empty,
 * unless `recursive`; links inside are removed, not followed). Never the root.
 * Each removal goes through the folder holding the entry, opened from the
 * root without following a link; a tree is emptied folder by folder the same
 * way, so no step can reach outside the root through a swapped folder.
 */
export async function remove(env: ActionEnv, params: DeleteParams): Promise<DeleteResult> {
  return using(await env.sandbox.locate(params.path, { follow: false }), async (at) => {
    if (at.isRoot) throw new InvalidPathError(params.path, "is the sandbox root, which cannot be deleted");
    if (at.info === undefined) throw new FileNotFoundError(at.relative);
    const { folder, name, info, relative: path } = at;
    if (!info.isDirectory()) {
      await folder.step(path, () => fsCall(path, () => unlink(folder.at(name))));
    } else if (params.recursive === true) {
      await removeTree(folder, name, path, env.signal);
    } else {
      await folder.step(path, () => removeFolder(folder, name, path));
    }
    return { path, type: entryType(info) };
  });
}

/** `rmdir` of `name` in `folder`: refused with `CORTEX_FILES_NOT_EMPTY` when it holds anything. */
async function removeFolder(folder: Folder, name: string, path: string): Promise<void> {
  await rmdir(folder.at(name)).catch((error: unknown) => {
    // Linux says ENOTEMPTY, some systems EEXIST.
    if (errnoOf(error) === "EEXIST") throw new NotEmptyError(path);
    throw fromErrno(error, path) ?? error;
  });
}

/**
 * Removes the folder `name` in `folder` with everything in it, depth first.
 * Each sub-folder is opened from its parent without following a link; an
 * entry that turned into a link or a file meanwhile is unlinked as an entry,
 * never followed. Stops with `CORTEX_FILES_ABORTED` when `signal` aborts
 * (what was removed by then stays removed).
 */
async function removeTree(folder: Folder, name: string, path: string, signal: AbortSignal | undefined): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    throwIfAborted(signal);
    let inner: Folder;
    try {
      inner = await folder.child(name);
    } catch (error) {
      const errno = errnoOf(error);
      if (errno === "ENOENT") return;
      if (errno !== "ELOOP" && errno !== "ENOTDIR") throw fromErrno(error, path) ?? error;
      await folder.step(path, () => fsCall(path, () => unlink(folder.at(name))));
      return;
    }
    try {
      for (const entry of await fsCall(path, () => readdir(inner.self))) {
        throwIfAborted(signal);
        const child = childPath(path, entry);
        const info = await lstat(inner.at(entry)).catch(() => undefined); // gone meanwhile
        if (info?.isDirectory()) await removeTree(inner, entry, child, signal);
        else if (info !== undefined) await inner.step(child, () => unlinkIfThere(inner.at(entry), child));
      }
    } finally {
      await inner.close();
    }
    try {
      await folder.step(path, () => removeFolder(folder, name, path));
      return;
    } catch (error) {
      // Something was added while it was being emptied: empty it again, a few times.
      if (!(error instanceof NotEmptyError) || attempt === EMPTY_ATTEMPTS) throw error;
    }
  }
}

async function unlinkIfThere(at: string, path: string): Promise<void> {
  await unlink(at).catch((error: unknown) => {
    if (errnoOf(error) !== "ENOENT") throw fromErrno(error, path) ?? error;
  });
}
