import { rename } from "node:fs/promises";
import type { Stats } from "node:fs";
import { join, sep } from "node:path";
import { FILES_DEFAULTS } from "../config.js";
import {
  FileExistsError,
  FileNotFoundError,
  InvalidPathError,
  NotADirectoryError,
  NotAFileError,
  OutsideSandboxError,
  fsCall,
} from "../errors.js";
import type { Located } from "../sandbox.js";
import type { MoveParams } from "../schemas.js";
import { entryType, using, walk, type ActionEnv, type EntryType } from "./common.js";

/** Data of a successful `move`. */
export interface MoveResult {
  from: string;
  to: string;
  type: EntryType;
  /** True when an existing destination file was replaced. */
  replaced: boolean;
}

/**
 * `move`: one `rename` inside the sandbox, from the folder holding the source
 * to the folder that will hold it, both opened from the root without
 * following a link and checked to be in place just before. A link is moved
 * itself, never its target. Refuses the root (as source or destination), a
 * folder into itself, a missing destination folder, and an existing
 * destination unless `overwrite` (which replaces files and links, never
 * folders). Refuses too, as leading out of the sandbox, a move after which a
 * link — the one moved, or one inside a moved folder — would lead outside the
 * root from its new place (a relative link pointing inside can point out once
 * moved).
 */
export async function move(env: ActionEnv, params: MoveParams): Promise<MoveResult> {
  return using(await env.sandbox.locate(params.from, { field: "from", follow: false }), async (from) =>
    using(await env.sandbox.locate(params.to, { field: "to", follow: false }), async (to) => {
      if (from.isRoot) throw new InvalidPathError(params.from, "is the sandbox root, which cannot be moved");
      if (to.isRoot) throw new InvalidPathError(params.to, "is the sandbox root, which cannot be replaced");
      if (from.info === undefined) throw new FileNotFoundError(from.relative);
      const fromAbs = join(from.folder.abs, from.name);
      const toAbs = join(to.folder.abs, to.name);
      if (from.info.isDirectory() && (toAbs === fromAbs || toAbs.startsWith(fromAbs + sep))) {
        throw new InvalidPathError(
          params.to,
          `is inside ${JSON.stringify(from.relative)}: a folder cannot move into itself`,
        );
      }
      if (to.info !== undefined) {
        if (params.overwrite !== true) throw new FileExistsError(to.relative);
        if (to.info.isDirectory()) throw new NotAFileError(to.relative);
        // A link at the destination is replaced, never followed; one leading out is still refused, as always.
        if (to.info.isSymbolicLink()) await env.sandbox.resolve(params.to, "to");
      }
      if (to.missing.length > 1) {
        const parent = to.relative.slice(0, to.relative.lastIndexOf("/"));
        throw new FileNotFoundError(parent, " (the destination's parent folder)");
      }
      await checkLinksStayInside(env, from, from.info, fromAbs, toAbs);
      await from.folder.step(from.relative, () =>
        to.folder.step(to.relative, () =>
          fsCall(from.relative, () => rename(from.folder.at(from.name), to.folder.at(to.name))),
        ),
      );
      return { from: from.relative, to: to.relative, type: entryType(from.info), replaced: to.info !== undefined };
    }),
  );
}

/** Refuses the move when a link it carries would lead out from its new place. */
async function checkLinksStayInside(
  env: ActionEnv,
  from: Located,
  info: Stats,
  fromAbs: string,
  toAbs: string,
): Promise<void> {
  const refuse = (rel: string) =>
    new OutsideSandboxError(from.input, `the symbolic link ${rel} would lead out of the sandbox from its new place`);
  const stays = (link: string, place: string) =>
    fsCall(from.relative, () => env.sandbox.linkStaysInside(link, place, fromAbs, toAbs));
  if (info.isSymbolicLink()) {
    if (!(await stays(from.folder.at(from.name), toAbs))) throw refuse(from.relative);
    return;
  }
  if (!info.isDirectory()) return;
  const moved = await from.folder.child(from.name).catch(() => {
    throw new NotADirectoryError(from.relative);
  });
  try {
    let seen = 0;
    for await (const { folder, rel, dirent } of walk(moved, from.relative, true, env.signal)) {
      if (++seen > FILES_DEFAULTS.maxMoveScan) {
        throw new InvalidPathError(
          from.input,
          `holds more than ${FILES_DEFAULTS.maxMoveScan} entries, too many to check its links before moving`,
        );
      }
      if (dirent.isSymbolicLink() && !(await stays(folder.at(dirent.name), join(toAbs, ...rel.split("/"))))) {
        throw refuse(`${from.relative}/${rel}`);
      }
    }
  } finally {
    await moved.close();
  }
}
