import { constants, type Stats } from "node:fs";
import { open, stat } from "node:fs/promises";
import { FileNotFoundError, FileTooLargeError, NotAFileError } from "../errors.js";
import { FILES_CONFIG_KEYS } from "../config.js";
import type { Sandbox } from "../sandbox.js";
import type { ReadParams } from "../schemas.js";
import { fsCall, type ActionEnv } from "./common.js";

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

// Not on Windows; there the realpath check alone guards the last name.
const NO_FOLLOW = constants.O_NOFOLLOW ?? 0;
const NON_BLOCK = constants.O_NONBLOCK ?? 0;
const CHUNK = 64 * 1024;

/**
 * Reads at most `limit` bytes of the regular file at `abs`; throws
 * `CORTEX_FILES_TOO_LARGE` when it is bigger (checked before reading, and
 * again while reading in case it grew).
 */
export async function readLimited(
  sandbox: Sandbox,
  abs: string,
  path: string,
  limit: number,
): Promise<{ data: Buffer; info: Stats }> {
  const before = await fsCall(path, () => stat(abs));
  // Checked before open(): opening a FIFO would block (O_NONBLOCK covers one swapped in meanwhile).
  if (!before.isFile()) throw new NotAFileError(path);
  if (before.size > limit) throw new FileTooLargeError(path, before.size, limit, FILES_CONFIG_KEYS.maxReadBytes);
  const handle = await fsCall(path, () => open(abs, constants.O_RDONLY | NO_FOLLOW | NON_BLOCK));
  try {
    const info = await fsCall(path, () => handle.stat());
    if (!info.isFile()) throw new NotAFileError(path);
    // The file opened must be the one at `abs` inside the root (no folder swapped for a link meanwhile).
    await sandbox.verifyOpened(abs, info, path);
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
  const target = await env.sandbox.resolve(params.path);
  if (!target.exists) throw new FileNotFoundError(target.relative);
  const { data, info } = await readLimited(env.sandbox, target.real, target.relative, env.limits.maxReadBytes);
  const encoding = params.encoding ?? "utf8";
  return {
    path: target.relative,
    encoding,
    content: data.toString(encoding),
    size: data.length,
    modified: info.mtime.toISOString(),
  };
}
