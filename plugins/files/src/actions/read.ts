import { constants, type Stats } from "node:fs";
import { lstat, open } from "node:fs/promises";
import { FILES_CONFIG_KEYS } from "../config.js";
import { FileNotFoundError, FileTooLargeError, NotAFileError, errnoOf, fromErrno, fsCall } from "../errors.js";
import { changed, moved, sameObject, type Folder } from "../folder.js";
import type { ReadParams } from "../schemas.js";
import { using, type ActionEnv } from "./common.js";

/** Data of a successful `read`. */
export interface ReadResult {
  path: string;
  encoding: "utf8" | "base64";
  content: string;
  /** Size in bytes. */
  size: number;
  /** Last modification, ISO 8601. */
  modified: string;
}

// Not on Windows; there the checks around the open guard the last name.
const NO_FOLLOW = constants.O_NOFOLLOW ?? 0;
const NON_BLOCK = constants.O_NONBLOCK ?? 0;
const CHUNK = 64 * 1024;

/**
 * Reads at most `limit` bytes of the regular file `name` in `folder`; throws
 * `CORTEX_FILES_TOO_LARGE` when it is bigger (checked before reading, and
 * again while reading in case it grew). Opened through the folder without
 * following a link, and refused when the folder is no longer where it was
 * found (by path: also unless the file opened is the entry there).
 */
export async function readLimited(
  folder: Folder,
  name: string,
  path: string,
  limit: number,
): Promise<{ data: Buffer; info: Stats }> {
  const before = await fsCall(path, () => lstat(folder.at(name)));
  // Checked before open(): opening a FIFO would block (O_NONBLOCK covers one swapped in meanwhile).
  if (!before.isFile()) throw new NotAFileError(path);
  if (before.size > limit) throw new FileTooLargeError(path, before.size, limit, FILES_CONFIG_KEYS.maxReadBytes);
  const handle = await open(folder.at(name), constants.O_RDONLY | NO_FOLLOW | NON_BLOCK).catch((error: unknown) => {
    // O_NOFOLLOW met a link that was swapped in after the lstat.
    throw errnoOf(error) === "ELOOP" ? changed(path) : (fromErrno(error, path) ?? error);
  });
  try {
    const info = await fsCall(path, () => handle.stat());
    if (!info.isFile()) throw new NotAFileError(path);
    if (!(await folder.inPlace())) throw moved(path);
    if (folder.anchoring === "path" && !sameObject(info, await fsCall(path, () => lstat(folder.at(name))))) {
      throw changed(path);
    }
    if (info.size > limit) throw new FileTooLargeError(path, info.size, limit, FILES_CONFIG_KEYS.maxReadBytes);
    const chunks: Buffer[] = [];
    let length = 0;
    for (;;) {
      const chunk = Buffer.allocUnsafe(CHUNK);
      const { bytesRead } = await fsCall(path, () => handle.read(chunk, 0, CHUNK, null));
      if (bytesRead === 0) break;
      length += bytesRead;
      if (length > limit) throw new FileTooLargeError(path, length, limit, FILES_CONFIG_KEYS.maxReadBytes);
      chunks.push(chunk.subarray(0, bytesRead));
    }
    return { data: Buffer.concat(chunks, length), info };
  } finally {
    await handle.close();
  }
}

/** `read`: one regular file, as UTF-8 text or base64, refused over `files_max_read_bytes`. */
export async function read(env: ActionEnv, params: ReadParams): Promise<ReadResult> {
  return using(await env.sandbox.locate(params.path, { follow: true }), async (at) => {
    if (at.info === undefined) throw new FileNotFoundError(at.relative);
    if (at.name === ".") throw new NotAFileError(at.relative);
    const { data, info } = await readLimited(at.folder, at.name, at.relative, env.limits.maxReadBytes);
    const encoding = params.encoding ?? "utf8";
    return {
      path: at.relative,
      encoding,
      content: data.toString(encoding),
      size: data.length,
      modified: info.mtime.toISOString(),
    };
  });
}
