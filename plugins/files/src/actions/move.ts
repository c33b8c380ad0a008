import type { Stats } from "node:fs";
import { lstat, rename } from "node:fs/promises";
import { dirname, join, sep } from "node:path";
import {
  FileExistsError,
  FileNotFoundError,
  InvalidPathError,
  NotADirectoryError,
  NotAFileError,
  OutsideSandboxError,
} from "../errors.js";
import type { MoveParams } from "../schemas.js";
import { entryType, fsCall, walk, type ActionEnv, type EntryType } from "./common.js";

/** Most entries of a moved folder checked for links; a bigger folder is refused. */
export const MAX_MOVE_SCAN = 100_000;

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
 * `overwrite` (which replaces files and links, never folders). Refuses
 * too, as leading out of the sandbox, a move after which a link — the one
 * moved, or one inside a moved folder — would lead outside the root from its
 * new place (a relative link pointing inside can point out once moved).
 */
export async function move(env: ActionEnv, params: MoveParams): Promise<MoveResult> {
  const from = await env.sandbox.resolveEntry(params.from, "from");
  const to = await env.sandbox.resolve(params.to, "to");
  if (from.isRoot) throw new InvalidPathError(params.from, "is the sandbox root, which cannot be moved");
  if (to.isRoot) throw new InvalidPathError(params.to, "is the sandbox root, which cannot be replaced");
  if (!from.exists) throw new FileNotFoundError(from.relative);
  const info = await fsCall(from.relative, () => lstat(from.entry));
  if (info.isDirectory() && (to.entry === from.entry || to.entry.startsWith(from.entry + sep))) {
    throw new InvalidPathError(
      params.to,
      `is inside ${JSON.stringify(from.relative)}: a folder cannot move into itself`,
    );
  }
  if (to.exists) {
    if (params.overwrite !== true) throw new FileExistsError(to.relative);
    if ((await fsCall(to.relative, () => lstat(to.entry))).isDirectory()) throw new NotAFileError(to.relative);
  }
  const parent = await lstat(dirname(to.entry)).catch(() => undefined);
  const parentPath = to.relative.includes("/") ? to.relative.slice(0, to.relative.lastIndexOf("/")) : ".";
  if (parent === undefined) throw new FileNotFoundError(parentPath, " (the destination's parent folder)");
  if (!parent.isDirectory()) throw new NotADirectoryError(parentPath);
  await checkLinksStayInside(env, params.from, from.entry, from.relative, to.entry, info);
  await fsCall(from.relative, () => rename(from.entry, to.entry));
  return { from: from.relative, to: to.relative, type: entryType(info), replaced: to.exists };
}

/** Refuses the move when a link it carries would lead out from its new place. */
async function checkLinksStayInside(
  env: ActionEnv,
  input: string,
  fromAbs: string,
  fromRel: string,
  toAbs: string,
  info: Stats,
): Promise<void> {
  const refuse = (rel: string) =>
    new OutsideSandboxError(input, `the symbolic link ${rel} would lead out of the sandbox from its new place`);
  const stays = (link: string, place: string) =>
    fsCall(fromRel, () => env.sandbox.linkStaysInside(link, place, fromAbs, toAbs));
  if (info.isSymbolicLink()) {
    if (!(await stays(fromAbs, toAbs))) throw refuse(fromRel);
    return;
  }
  if (!info.isDirectory()) return;
  let seen = 0;
  for await (const { abs, rel, dirent } of walk(fromAbs, fromRel, true, env.signal)) {
    if (++seen > MAX_MOVE_SCAN) {
      throw new InvalidPathError(
        input,
        `holds more than ${MAX_MOVE_SCAN} entries, too many to check its links before moving`,
      );
    }
    if (dirent.isSymbolicLink() && !(await stays(abs, join(toAbs, ...rel.split("/"))))) {
      throw refuse(`${fromRel}/${rel}`);
    }
  }
}
