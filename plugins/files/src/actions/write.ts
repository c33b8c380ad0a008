import { randomBytes } from "node:crypto";
import { link, open, rename, rm, unlink } from "node:fs/promises";
import { FILES_CONFIG_KEYS } from "../config.js";
import {
  FileExistsError,
  FileNotFoundError,
  FileTooLargeError,
  InvalidContentError,
  NotAFileError,
  errnoOf,
  fromErrno,
  fsCall,
} from "../errors.js";
import type { Folder } from "../folder.js";
import type { WriteParams } from "../schemas.js";
import { throwIfAborted, type ActionEnv } from "./common.js";

/** Data of a successful `write`. */
export interface WriteResult {
  path: string;
  /** Bytes written. */
  bytes: number;
  /** True when the file did not exist before. */
  created: boolean;
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** The bytes `content` stands for; `CORTEX_FILES_INVALID_CONTENT` for bad base64. */
export function decode(content: string, encoding: "utf8" | "base64"): Buffer {
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
 * appeared meanwhile, so an existing file is never replaced. Every step goes
 * through the target's folder as opened by {@link Sandbox.locate}, missing
 * folders are created one at a time the same way, and the commit is refused
 * when that folder is no longer where the path leads.
 */
export async function write(env: ActionEnv, params: WriteParams): Promise<WriteResult> {
  const data = decode(params.content, params.encoding ?? "utf8");
  let at = await env.sandbox.locate(params.path, { follow: true });
  try {
    const path = at.relative;
    if (data.length > env.limits.maxWriteBytes) {
      throw new FileTooLargeError(path, data.length, env.limits.maxWriteBytes, FILES_CONFIG_KEYS.maxWriteBytes);
    }
    if (at.missing.length > 1) {
      const parent = path.slice(0, path.lastIndexOf("/"));
      if (params.createDirectories !== true) {
        throw new FileNotFoundError(parent, " (the parent folder; pass createDirectories: true to create it)");
      }
      await at.folder.close();
      at = await env.sandbox.locate(params.path, { follow: true, create: true });
    }
    const { folder, name, info } = at;
    if (name === "." || (info !== undefined && !info.isFile())) throw new NotAFileError(path);
    if (info !== undefined && params.overwrite !== true) throw new FileExistsError(path);
    throwIfAborted(env.signal);
    await commit(folder, name, data, info === undefined ? undefined : info.mode & 0o7777, path, env.signal);
    return { path, bytes: data.length, created: info === undefined };
  } finally {
    await at.folder.close();
  }
}

/**
 * Writes `data` to a temporary file in `folder`, flushes it, then puts it at
 * `name`: renamed over the file there when `mode` (the replaced file's
 * permission bits) is given, else linked, which fails if `name` appeared.
 */
async function commit(
  folder: Folder,
  name: string,
  data: Buffer,
  mode: number | undefined,
  path: string,
  signal: AbortSignal | undefined,
): Promise<void> {
  // Short, so any name the file system accepts for the target also fits here.
  const temp = folder.at(`.cortex-${randomBytes(4).toString("hex")}.tmp`);
  const file = folder.at(name);
  let created = false;
  try {
    const handle = await folder.step(path, async () => {
      // "wx" (O_CREAT | O_EXCL) never follows a link at the name: it fails instead.
      const opened = await fsCall(path, () => open(temp, "wx", 0o666));
      created = true;
      return opened;
    });
    try {
      await fsCall(path, () => handle.writeFile(data));
      if (mode !== undefined) await fsCall(path, () => handle.chmod(mode));
      await fsCall(path, () => handle.sync());
    } finally {
      await handle.close();
    }
    // Last chance: once committed, the caller must not have been told it was aborted.
    throwIfAborted(signal);
    if (mode !== undefined) await folder.step(path, () => fsCall(path, () => rename(temp, file)));
    else await folder.step(path, () => commitNoClobber(temp, file, path));
  } catch (error) {
    // Cleanup must never hide why the write failed.
    if (created) await rm(temp, { force: true }).catch(() => undefined);
    throw error;
  }
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
  await fsCall(path, () => unlink(temp));
}
