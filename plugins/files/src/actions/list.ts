import { lstat } from "node:fs/promises";
import { FileNotFoundError, NotADirectoryError } from "../errors.js";
import type { ListParams } from "../schemas.js";
import { childPath, entryType, fsCall, walk, type ActionEnv, type EntryType } from "./common.js";

/** One entry of a `list` result. */
export interface ListEntry {
  /** Its own name. */
  name: string;
  /** Path relative to the sandbox root, `/`-separated. */
  path: string;
  type: EntryType;
  /** Size in bytes (of the link itself for a symlink). */
  size: number;
  /** Last modification, ISO 8601. */
  modified: string;
}

/** Data of a successful `list`. */
export interface ListResult {
  path: string;
  entries: ListEntry[];
  /** True when more entries exist than the limit allowed. */
  truncated: boolean;
}

/** `list`: the folder's entries (and its sub-folders', when recursive), links reported but not followed. */
export async function list(env: ActionEnv, params: ListParams): Promise<ListResult> {
  const target = await env.sandbox.resolve(params.path ?? ".");
  if (!target.exists) throw new FileNotFoundError(target.relative);
  const info = await fsCall(target.relative, () => lstat(target.real));
  if (!info.isDirectory()) throw new NotADirectoryError(target.relative);
  const entries: ListEntry[] = [];
  let truncated = false;
  for await (const { abs, rel, dirent } of walk(target.real, target.relative, params.recursive === true, env.signal)) {
    if (entries.length >= env.limits.maxListEntries) {
      truncated = true;
      break;
    }
    const path = childPath(target.relative, rel);
    const stats = await fsCall(path, () => lstat(abs)).catch(() => undefined);
    if (stats === undefined) continue; // removed while listing
    entries.push({
      name: dirent.name,
      path,
      type: entryType(stats),
      size: stats.size,
      modified: stats.mtime.toISOString(),
    });
  }
  return { path: target.relative, entries, truncated };
}
