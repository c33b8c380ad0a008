import { lstat, rm, rmdir, unlink } from "node:fs/promises";
import { FileNotFoundError, InvalidPathError, NotEmptyError, errnoOf, fromErrno } from "../errors.js";
import type { DeleteParams } from "../schemas.js";
import { entryType, fsCall, type ActionEnv, type EntryType } from "./common.js";

/** Data of a successful `delete`. */
export interface DeleteResult {
  path: string;
  type: EntryType;
}

/**
 * `delete`: a file, a link (never its target) or a folder (only empty,
 * unless `recursive`; links inside are removed, not followed). Never the root.
 */
export async function remove(env: ActionEnv, params: DeleteParams): Promise<DeleteResult> {
  const target = await env.sandbox.resolveEntry(params.path);
  if (target.isRoot) throw new InvalidPathError(params.path, "is the sandbox root, which cannot be deleted");
  if (!target.exists) throw new FileNotFoundError(target.relative);
  const path = target.relative;
  const info = await fsCall(path, () => lstat(target.entry));
  if (!info.isDirectory()) {
    await fsCall(path, () => unlink(target.entry));
  } else if (params.recursive === true) {
    await fsCall(path, () => rm(target.entry, { recursive: true }));
  } else {
    await rmdir(target.entry).catch((error: unknown) => {
      // Linux says ENOTEMPTY, some systems EEXIST.
      if (errnoOf(error) === "EEXIST") throw new NotEmptyError(path);
      throw fromErrno(error, path) ?? error;
    });
  }
  return { path, type: entryType(info) };
}
