import { FILES_DEFAULTS } from "../config.js";
import { isFilesError } from "../errors.js";
import type { Folder } from "../folder.js";
import { compileGlob } from "../glob.js";
import type { SearchParams } from "../schemas.js";
import { readLimited } from "./read.js";
import { childPath, entryType, throwIfAborted, using, walk, type ActionEnv, type EntryType } from "./common.js";

/** One match of a `search`. */
export interface SearchMatch {
  /** Path relative to the sandbox root, `/`-separated. */
  path: string;
  type: EntryType;
  /** `name` when the query is in the entry's name, `content` when in a line of the file. */
  kind: "name" | "content";
  /** 1-based line number of a content match. */
  line?: number;
  /** The matching line (at most 200 characters), for a content match. */
  text?: string;
}

/** Data of a successful `search`. */
export interface SearchResult {
  query: string;
  path: string;
  matches: SearchMatch[];
  /** True when it stopped early: the result limit or the bytes-scanned limit was reached. */
  truncated: boolean;
  /** Files whose contents were scanned. */
  filesScanned: number;
  /** Bytes of contents read. */
  bytesScanned: number;
  /** Files not scanned: over the read limit, binary, or unreadable. */
  filesSkipped: number;
}

const LINE_CHARS = 200;
const BINARY_PROBE = 8000;

/**
 * `search`: names and text contents under a folder, depth first in name
 * order. Links are not followed; files over the read limit and binary files
 * (a NUL byte in their first 8000 bytes) are skipped. Stops at the result
 * limit, at the bytes-scanned limit, and when the call's signal is aborted.
 */
export async function search(env: ActionEnv, params: SearchParams): Promise<SearchResult> {
  return using(await env.sandbox.openFolder(params.path ?? "."), (at) => searchIn(env, params, at.folder, at.relative));
}

async function searchIn(env: ActionEnv, params: SearchParams, folder: Folder, relative: string): Promise<SearchResult> {
  const { limits, signal } = env;
  const ignoreCase = params.caseSensitive !== true;
  const fold = (text: string) => (ignoreCase ? text.toLowerCase() : text);
  const query = fold(params.query);
  const filter = params.glob === undefined ? undefined : compileGlob(params.glob, ignoreCase);
  const max = Math.min(params.maxResults ?? FILES_DEFAULTS.searchResults, limits.maxSearchResults);
  const result: SearchResult = {
    query: params.query,
    path: relative,
    matches: [],
    truncated: false,
    filesScanned: 0,
    bytesScanned: 0,
    filesSkipped: 0,
  };
  const add = (match: SearchMatch): boolean => {
    if (result.matches.length >= max) {
      result.truncated = true;
      return false;
    }
    result.matches.push(match);
    return true;
  };

  for await (const { folder: parent, rel, dirent } of walk(folder, relative, true, signal)) {
    const isFile = dirent.isFile();
    if (filter !== undefined && !(isFile && filter.matches(rel, dirent.name))) continue;
    const path = childPath(relative, rel);
    const type = entryType(dirent);
    if (fold(dirent.name).includes(query) && !add({ path, type, kind: "name" })) break;
    if (!isFile) continue;

    let data: Buffer;
    try {
      data = (await readLimited(parent, dirent.name, path, limits.maxReadBytes)).data;
    } catch (error) {
      if (!isSkippable(error)) throw error;
      result.filesSkipped++;
      continue;
    }
    throwIfAborted(signal);
    if (result.bytesScanned + data.length > limits.maxSearchBytes) {
      result.truncated = true;
      break;
    }
    result.bytesScanned += data.length;
    if (data.subarray(0, BINARY_PROBE).includes(0)) {
      result.filesSkipped++;
      continue;
    }
    result.filesScanned++;
    if (!scanLines(data.toString("utf8"), query, fold, path, add)) break;
  }
  return result;
}

/** Adds a match per line containing `query`; false when `add` refused (limit reached). */
function scanLines(
  text: string,
  query: string,
  fold: (text: string) => string,
  path: string,
  add: (match: SearchMatch) => boolean,
): boolean {
  const lines = text.split(/\r?\n/);
  for (const [i, line] of lines.entries()) {
    if (!fold(line).includes(query)) continue;
    const trimmed = line.trim();
    const shown = trimmed.length > LINE_CHARS ? `${trimmed.slice(0, LINE_CHARS)}…` : trimmed;
    if (!add({ path, type: "file", kind: "content", line: i + 1, text: shown })) return false;
  }
  return true;
}

/** Errors that skip one file rather than failing the search: too large, vanished, unreadable, swapped. */
function isSkippable(error: unknown): boolean {
  if (!isFilesError(error)) return false;
  const { code } = error;
  return (
    code === "CORTEX_FILES_TOO_LARGE" ||
    code === "CORTEX_FILES_NOT_FOUND" ||
    code === "CORTEX_FILES_NOT_A_FILE" ||
    code === "CORTEX_FILES_IO_ERROR" ||
    code === "CORTEX_FILES_OUTSIDE_SANDBOX" // swapped for something outside while searching
  );
}
