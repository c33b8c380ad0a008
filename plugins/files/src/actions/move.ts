import { lstat, rename } from "node:fs/promises";
import { dirname, sep } from "node:path";
import { FileExistsError, FileNotFoundError, InvalidPathError, NotADirectoryError, NotAFileError } from "../errors.js";
import type { MoveParams } from "../schemas.js";
import { entryType, fsCall, type ActionEnv, type EntryType } from "./common.js";

/** Data of a successful `move`. */
export interface MoveResult {
  from: string;
  to: string;
  type: EntryType;
  /** True when an existing destination file was replaced. */
  replaced: boolean;
}

/**
 * `move`: one `rename` inside the sandbox. A link is moved itself, never its
 * target. Refuses the root (as source or destination), a folder into itself,
 * a missing destination folder, and an existing destination unless
 * `overwrite` (which replaces files and links, never folders).
 */
export async function move(env: ActionEnv, params: MoveParams): Promise<MoveResult> {
  const from = await env.sandbox.resolve(params.from, "from");
  const to = await env.sandbox.resolve(params.to, "to");
  if (from.isRoot) throw new InvalidPathError(params.from, "is the sandbox root, which cannot be moved");
  if (to.isRoot) throw new InvalidPathError(params.to, "is the sandbox root, which cannot be replaced");
  if (!from.exists) throw new FileNotFoundError(from.relative);
  const info = await fsCall(from.relative, () => lstat(from.entry));
  if (info.isDirectory() && (to.entry === from.entry || to.entry.startsWith(from.entry + sep))) {
    throw new InvalidPathError(params.to, `is inside ${JSON.stringify(from.relative)}: a folder cannot move into itself`);
  }
  if (to.exists) {
    if (params.overwrite !== true) throw new FileExistsError(to.relative);
    if ((await fsCall(to.relative, () => lstat(to.entry))).isDirectory()) throw new NotAFileError(to.relative);
  }
  const parent = await lstat(dirname(to.entry)).catch(() => undefined);
  const parentPath = to.relative.includes("/") ? to.relative.slice(0, to.relative.lastIndexOf("/")) : ".";
  if (parent === undefined) throw new FileNotFoundError(parentPath, " (the destination's parent folder)");
  if (!parent.isDirectory()) throw new NotADirectoryError(parentPath);
  await fsCall(from.relative, () => rename(from.entry, to.entry));
  return { from: from.relative, to: to.relative, type: entryType(info), replaced: to.exists };
}
