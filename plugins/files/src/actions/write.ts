import { randomBytes } from "node:crypto";
import { chmod, link, lstat, mkdir, open, rename, rm, unlink } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { FILES_CONFIG_KEYS } from "../config.js";
import {
  FileExistsError,
  FileNotFoundError,
  FileTooLargeError,
  InvalidContentError,
  NotADirectoryError,
  NotAFileError,
  errnoOf,
  fromErrno,
} from "../errors.js";
import type { WriteParams } from "../schemas.js";
import { fsCall, throwIfAborted, type ActionEnv } from "./common.js";

/** Data of a successful `write`. */
export interface WriteResult {
  path: string;
  /** Bytes written. */
  bytes: number;
  /** True when the file did not exist before. */
  created: boolean;
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function decode(content: string, encoding: "utf8" | "base64"): Buffer {
  if (encoding === "utf8") return Buffer.from(content, "utf8");
  const compact = content.replace(/\s+/g, "");
  if (!BASE64.test(compact)) throw new InvalidContentError('is not valid base64 (encoding: "base64")');
  return Buffer.from(compact, "base64");
}

/**
 * `write`: replaces or creates a file atomically. The content goes to a
 * temporary file in the target's folder (so the rename never crosses file
 * systems), is flushed to disk, then renamed over the target; on any failure
 * the temporary file is removed and the target is untouched. Without
 * `overwrite` the final step is a hard link, which fails if the target
 * appeared meanwhile, so an existing file is never replaced.
 */
export async function write(env: ActionEnv, params: WriteParams): Promise<WriteResult> {
  const data = decode(params.content, params.encoding ?? "utf8");
  const target = await env.sandbox.resolve(params.path);
  const path = target.relative;
  if (data.length > env.limits.maxWriteBytes) {
    throw new FileTooLargeError(path, data.length, env.limits.maxWriteBytes, FILES_CONFIG_KEYS.maxWriteBytes);
  }
  let mode: number | undefined;
  if (target.exists) {
    const info = await fsCall(path, () => lstat(target.real));
    if (!info.isFile()) throw new NotAFileError(path);
    if (params.overwrite !== true) throw new FileExistsError(path);
    mode = info.mode & 0o7777;
  }
  const folder = dirname(target.real);
  await ensureFolder(folder, path, params.createDirectories === true);
  throwIfAborted(env.signal);

  const temp = join(folder, `.${basename(target.real)}.${randomBytes(6).toString("hex")}.tmp`);
  try {
    const handle = await fsCall(path, () => open(temp, "wx", 0o666));
    try {
      await fsCall(path, () => handle.writeFile(data));
      await fsCall(path, () => handle.sync());
    } finally {
      await handle.close();
    }
    if (mode !== undefined) await fsCall(path, () => chmod(temp, mode));
    if (target.exists) await fsCall(path, () => rename(temp, target.real));
    else await commitNoClobber(temp, target.real, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  return { path, bytes: data.length, created: !target.exists };
}

/** Moves `temp` to `file` only if `file` does not exist. */
async function commitNoClobber(temp: string, file: string, path: string): Promise<void> {
  try {
    await link(temp, file);
  } catch (error) {
    const errno = errnoOf(error);
    if (errno === "EEXIST") throw new FileExistsError(path);
    // File systems without hard links: a plain rename (a concurrent creation may then be replaced).
    if (errno !== "EPERM" && errno !== "ENOTSUP" && errno !== "EOPNOTSUPP" && errno !== "EXDEV") {
      throw fromErrno(error, path) ?? error;
    }
    await fsCall(path, () => rename(temp, file));
    return;
  }
  await unlink(temp);
}

/** Makes sure the target's folder exists (creating it when asked) and is a folder. */
async function ensureFolder(folder: string, path: string, create: boolean): Promise<void> {
  const parent = path.includes("/") ? path.slice(0, path.lastIndexOf("/")) : ".";
  const info = await lstat(folder).catch((error: unknown) => {
    if (errnoOf(error) === "ENOENT") return undefined;
    throw fromErrno(error, parent) ?? error;
  });
  if (info?.isDirectory()) return;
  if (info !== undefined) throw new NotADirectoryError(parent);
  if (!create) throw new FileNotFoundError(parent, " (the parent folder; pass createDirectories: true to create it)");
  await fsCall(parent, () => mkdir(folder, { recursive: true }));
}
