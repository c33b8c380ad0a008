import { lstat } from "node:fs/promises";
import type { ListParams } from "../schemas.js";
import { childPath, entryType, using, walk, type ActionEnv, type EntryType } from "./common.js";

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
  return using(await env.sandbox.openFolder(params.path ?? "."), async ({ folder, relative }) => {
    const entries: ListEntry[] = [];
    let truncated = false;
    for await (const { folder: parent, rel, dirent } of walk(folder, relative, params.recursive === true, env.signal)) {
      if (entries.length >= env.limits.maxListEntries) {
        truncated = true;
        break;
      }
      const stats = await lstat(parent.at(dirent.name)).catch(() => undefined);
      if (stats === undefined) continue; // removed while listing
      entries.push({
        name: dirent.name,
        path: childPath(relative, rel),
        type: entryType(stats),
        size: stats.size,
        modified: stats.mtime.toISOString(),
      });
    }
    return { path: relative, entries, truncated };
  });
}
