import { randomBytes } from "node:crypto";
import { link, lstat, mkdir, open, realpath, rename, rm, stat, unlink } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { FILES_CONFIG_KEYS } from "../config.js";
import {
  FileExistsError,
  FileNotFoundError,
  FileTooLargeError,
  InvalidContentError,
  NotADirectoryError,
  NotAFileError,
  OutsideSandboxError,
  errnoOf,
  fromErrno,
} from "../errors.js";
import type { Sandbox } from "../sandbox.js";
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
  const folder = await ensureFolder(env.sandbox, dirname(target.real), path, params.createDirectories === true);
  const file = join(folder, basename(target.real));
  throwIfAborted(env.signal);

  // Short, so any name the file system accepts for the target also fits here.
  const temp = join(folder, `.cortex-${randomBytes(4).toString("hex")}.tmp`);
  let created = false;
  try {
    const handle = await fsCall(path, () => open(temp, "wx", 0o666));
    created = true;
    try {
      // The temp file must be where it was meant to be: no folder on its path swapped for a link.
      await env.sandbox.verifyOpened(temp, await fsCall(path, () => handle.stat()), path);
      await fsCall(path, () => handle.writeFile(data));
      if (mode !== undefined) await fsCall(path, () => handle.chmod(mode));
      await fsCall(path, () => handle.sync());
    } finally {
      await handle.close();
    }
    // Last chance: once committed, the caller must not have been told it was aborted.
    throwIfAborted(env.signal);
    if (target.exists) await fsCall(path, () => rename(temp, file));
    else await commitNoClobber(temp, file, path);
  } catch (error) {
    // Cleanup must never hide why the write failed.
    if (created) await rm(temp, { force: true }).catch(() => undefined);
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

/**
 * Makes sure the target's folder exists (creating it when asked, one name at
 * a time below a folder resolved again with `realpath` and checked inside the
 * root) and is a folder. Returns its real path.
 */
async function ensureFolder(sandbox: Sandbox, folder: string, path: string, create: boolean): Promise<string> {
  const parent = path.includes("/") ? path.slice(0, path.lastIndexOf("/")) : ".";
  const missing: string[] = [];
  let existing = folder;
  for (;;) {
    const info = await lstat(existing).catch((error: unknown) => {
      if (errnoOf(error) === "ENOENT") return undefined;
      throw fromErrno(error, parent) ?? error;
    });
    if (info?.isDirectory()) break;
    if (info !== undefined) throw new NotADirectoryError(parent);
    if (!create) throw new FileNotFoundError(parent, " (the parent folder; pass createDirectories: true to create it)");
    if (existing === sandbox.root || dirname(existing) === existing) throw new FileNotFoundError(parent);
    missing.unshift(basename(existing));
    existing = dirname(existing);
  }
  let current = await realFolderInside(sandbox, existing, path);
  for (const name of missing) {
    const next = join(current, name);
    await mkdir(next).catch((error: unknown) => {
      if (errnoOf(error) !== "EEXIST") throw fromErrno(error, parent) ?? error;
    });
    current = await realFolderInside(sandbox, next, path);
  }
  return current;
}

/** `realpath` of the folder `abs`, refused unless it is inside the root and a folder. */
async function realFolderInside(sandbox: Sandbox, abs: string, path: string): Promise<string> {
  const real = await fsCall(path, () => realpath(abs));
  if (!sandbox.contains(real))
    throw new OutsideSandboxError(path, "a folder on its path was replaced by a link leading out");
  if (!(await fsCall(path, () => stat(real))).isDirectory()) throw new NotADirectoryError(sandbox.relativeOf(real));
  return real;
}
