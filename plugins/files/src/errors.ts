import { CortexError } from "@cortex/plugins";

/**
 * Every code this package uses. Closed: `docs/errors.md` lists each one, and
 * a test fails when one is missing. Actions never throw these: they come back
 * as `{ success: false, error, code }` so the model can correct its call.
 */
export const FILES_ERROR_CODES = [
  "CORTEX_FILES_NOT_CONFIGURED",
  "CORTEX_FILES_INVALID_CONFIG",
  "CORTEX_FILES_INVALID_PATH",
  "CORTEX_FILES_OUTSIDE_SANDBOX",
  "CORTEX_FILES_NOT_FOUND",
  "CORTEX_FILES_EXISTS",
  "CORTEX_FILES_NOT_A_FILE",
  "CORTEX_FILES_NOT_A_DIRECTORY",
  "CORTEX_FILES_NOT_EMPTY",
  "CORTEX_FILES_TOO_LARGE",
  "CORTEX_FILES_INVALID_CONTENT",
  "CORTEX_FILES_ABORTED",
  "CORTEX_FILES_IO_ERROR",
] as const;

/** A code from {@link FILES_ERROR_CODES}. */
export type FilesErrorCode = (typeof FILES_ERROR_CODES)[number];

/**
 * Base of every error this plugin produces on purpose: a `CortexError` of
 * `@cortex/plugins` with this package's closed code union. Match on `code`.
 */
export class FilesError extends CortexError<FilesErrorCode> {
  constructor(code: FilesErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = "FilesError";
  }
}

/** An action ran before `setup` (or after `teardown`). */
export class FilesNotConfiguredError extends FilesError {
  declare readonly code: "CORTEX_FILES_NOT_CONFIGURED";
  constructor() {
    super("CORTEX_FILES_NOT_CONFIGURED", 'plugin "files" is not set up: no sandbox root is configured');
    this.name = "FilesNotConfiguredError";
  }
}

/** `setup` got a `files_root` that is not an existing folder, or a limit that is not a positive integer. */
export class FilesConfigError extends FilesError {
  declare readonly code: "CORTEX_FILES_INVALID_CONFIG";
  constructor(
    readonly key: string,
    detail: string,
    cause?: unknown,
  ) {
    super("CORTEX_FILES_INVALID_CONFIG", `plugin "files": config "${key}" ${detail}`, { cause });
    this.name = "FilesConfigError";
  }
}

/** A path is not a usable relative path: empty, absolute, a NUL byte, the root where it is not allowed, a broken link. */
export class InvalidPathError extends FilesError {
  declare readonly code: "CORTEX_FILES_INVALID_PATH";
  constructor(
    readonly path: string,
    detail: string,
  ) {
    super("CORTEX_FILES_INVALID_PATH", `${JSON.stringify(path)} ${detail}`);
    this.name = "InvalidPathError";
  }
}

/** A path leads outside the sandbox root, by `..` or through a symbolic link. */
export class OutsideSandboxError extends FilesError {
  declare readonly code: "CORTEX_FILES_OUTSIDE_SANDBOX";
  constructor(
    readonly path: string,
    detail: string,
  ) {
    super("CORTEX_FILES_OUTSIDE_SANDBOX", `${JSON.stringify(path)} is outside the sandbox: ${detail}`);
    this.name = "OutsideSandboxError";
  }
}

/** The file or folder does not exist. */
export class FileNotFoundError extends FilesError {
  declare readonly code: "CORTEX_FILES_NOT_FOUND";
  constructor(
    readonly path: string,
    hint = "",
  ) {
    super("CORTEX_FILES_NOT_FOUND", `${JSON.stringify(path)} does not exist${hint}`);
    this.name = "FileNotFoundError";
  }
}

/** The target exists and `overwrite` was not set. */
export class FileExistsError extends FilesError {
  declare readonly code: "CORTEX_FILES_EXISTS";
  constructor(readonly path: string) {
    super("CORTEX_FILES_EXISTS", `${JSON.stringify(path)} already exists (pass overwrite: true to replace it)`);
    this.name = "FileExistsError";
  }
}

/** A file was expected and the path is a folder (or something else). */
export class NotAFileError extends FilesError {
  declare readonly code: "CORTEX_FILES_NOT_A_FILE";
  constructor(readonly path: string) {
    super("CORTEX_FILES_NOT_A_FILE", `${JSON.stringify(path)} is not a regular file`);
    this.name = "NotAFileError";
  }
}

/** A folder was expected (to list, to search, as a parent) and the path is not one. */
export class NotADirectoryError extends FilesError {
  declare readonly code: "CORTEX_FILES_NOT_A_DIRECTORY";
  constructor(readonly path: string) {
    super("CORTEX_FILES_NOT_A_DIRECTORY", `${JSON.stringify(path)} is not a folder`);
    this.name = "NotADirectoryError";
  }
}

/** `delete` of a non-empty folder without `recursive: true`. */
export class NotEmptyError extends FilesError {
  declare readonly code: "CORTEX_FILES_NOT_EMPTY";
  constructor(readonly path: string) {
    super("CORTEX_FILES_NOT_EMPTY", `${JSON.stringify(path)} is a folder that is not empty (pass recursive: true)`);
    this.name = "NotEmptyError";
  }
}

/** A read or write over the configured byte limit. */
export class FileTooLargeError extends FilesError {
  declare readonly code: "CORTEX_FILES_TOO_LARGE";
  constructor(
    readonly path: string,
    readonly bytes: number,
    readonly limit: number,
    key: string,
  ) {
    super("CORTEX_FILES_TOO_LARGE", `${JSON.stringify(path)} is ${bytes} bytes, over the ${limit}-byte limit (${key})`);
    this.name = "FileTooLargeError";
  }
}

/** `write` with `encoding: "base64"` got content that is not base64. */
export class InvalidContentError extends FilesError {
  declare readonly code: "CORTEX_FILES_INVALID_CONTENT";
  constructor(detail: string) {
    super("CORTEX_FILES_INVALID_CONTENT", `content ${detail}`);
    this.name = "InvalidContentError";
  }
}

/** The call's `context.signal` was aborted while the action ran. */
export class FilesAbortedError extends FilesError {
  declare readonly code: "CORTEX_FILES_ABORTED";
  constructor(cause?: unknown) {
    super("CORTEX_FILES_ABORTED", "the action was aborted", { cause });
    this.name = "FilesAbortedError";
  }
}

/** Any other file-system failure (permissions, a full disk, …); `errno` is Node's code, e.g. `EACCES`. */
export class FilesIoError extends FilesError {
  declare readonly code: "CORTEX_FILES_IO_ERROR";
  constructor(
    readonly path: string,
    readonly errno: string,
    cause: unknown,
  ) {
    // Never Node's own message: it holds the absolute path, and so the root.
    super("CORTEX_FILES_IO_ERROR", `${JSON.stringify(path)}: file-system error ${errno}${ERRNO_TEXT[errno] ?? ""}`, {
      cause,
    });
    this.name = "FilesIoError";
  }
}

/** A short reading of the common errno codes, for messages (Node's own message is never used). */
const ERRNO_TEXT: Readonly<Record<string, string>> = {
  EACCES: " (permission denied)",
  EPERM: " (operation not permitted)",
  ENAMETOOLONG: " (a name or the path is too long)",
  ENOSPC: " (no space left on the device)",
  EDQUOT: " (disk quota exceeded)",
  EROFS: " (read-only file system)",
  EIO: " (input/output error)",
  EBUSY: " (resource busy)",
  EMFILE: " (too many open files)",
  EXDEV: " (crosses file systems)",
};

/** Node's errno code of a file-system error (`ENOENT`, …), if it is one. */
export function errnoOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return error instanceof Error && typeof code === "string" && /^E[A-Z]+$/.test(code) ? code : undefined;
}

/**
 * Turns a Node file-system error about `path` (relative, as the model wrote
 * it) into a coded error; returns `undefined` for anything else (a bug).
 */
export function fromErrno(error: unknown, path: string): FilesError | undefined {
  if (error instanceof FilesError) return error;
  const errno = errnoOf(error);
  switch (errno) {
    case undefined:
      return undefined;
    case "ENOENT":
      return new FileNotFoundError(path);
    case "EEXIST":
      return new FileExistsError(path);
    case "EISDIR":
      return new NotAFileError(path);
    case "ENOTDIR":
      return new NotADirectoryError(path);
    case "ENOTEMPTY":
      return new NotEmptyError(path);
    case "ELOOP":
      return new InvalidPathError(path, "has too many levels of symbolic links");
    default:
      return new FilesIoError(path, errno, error);
  }
}

/** True for an error of this package (by class, not by brand: other packages' codes differ). */
export function isFilesError(value: unknown): value is FilesError {
  return value instanceof FilesError;
}
