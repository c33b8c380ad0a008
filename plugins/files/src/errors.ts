import { CortexError, type ErrorTable } from "@cortex/primitives";

/**
 * Every code this package uses, with the class that carries it. Closed:
 * `docs/errors.md` is checked against it. Actions never throw these: they
 * come back as `{ success: false, error, code }` so the model can correct
 * its call (`setup` rejects with `CORTEX_FILES_INVALID_CONFIG`).
 */
export const FILES_ERRORS = {
  CORTEX_FILES_NOT_CONFIGURED: "FilesNotConfiguredError",
  CORTEX_FILES_INVALID_CONFIG: "FilesConfigError",
  CORTEX_FILES_INVALID_PATH: "InvalidPathError",
  CORTEX_FILES_OUTSIDE_SANDBOX: "OutsideSandboxError",
  CORTEX_FILES_NOT_FOUND: "FileNotFoundError",
  CORTEX_FILES_EXISTS: "FileExistsError",
  CORTEX_FILES_NOT_A_FILE: "NotAFileError",
  CORTEX_FILES_NOT_A_DIRECTORY: "NotADirectoryError",
  CORTEX_FILES_NOT_EMPTY: "NotEmptyError",
  CORTEX_FILES_TOO_LARGE: "FileTooLargeError",
  CORTEX_FILES_INVALID_CONTENT: "InvalidContentError",
  CORTEX_FILES_ABORTED: "FilesAbortedError",
  CORTEX_FILES_IO_ERROR: "FilesIoError",
} as const satisfies ErrorTable;

/** A code of {@link FILES_ERRORS}. */
export type FilesErrorCode = keyof typeof FILES_ERRORS;

/** @deprecated The codes of {@link FILES_ERRORS}, as a list; use that table. */
export const FILES_ERROR_CODES = Object.keys(FILES_ERRORS) as readonly FilesErrorCode[];

/** Base of every error this plugin produces on purpose, narrowed to one of its codes. Match on `code`. */
export class FilesError<C extends FilesErrorCode = FilesErrorCode> extends CortexError<C> {}

/** An action ran before `setup` (or after `teardown`). */
export class FilesNotConfiguredError extends FilesError<"CORTEX_FILES_NOT_CONFIGURED"> {
  constructor() {
    super("CORTEX_FILES_NOT_CONFIGURED", 'plugin "files" is not set up: no sandbox root is configured');
  }
}

/** `setup` got a `files_root` that is not an existing folder, or a limit that is not a positive integer. */
export class FilesConfigError extends FilesError<"CORTEX_FILES_INVALID_CONFIG"> {
  constructor(
    readonly key: string,
    detail: string,
    cause?: unknown,
  ) {
    super("CORTEX_FILES_INVALID_CONFIG", `plugin "files": config "${key}" ${detail}`, { cause });
  }
}

/** A path is not a usable relative path: empty, absolute, a NUL byte, the root where it is not allowed, a broken link. */
export class InvalidPathError extends FilesError<"CORTEX_FILES_INVALID_PATH"> {
  constructor(
    readonly path: string,
    detail: string,
  ) {
    super("CORTEX_FILES_INVALID_PATH", `${JSON.stringify(path)} ${detail}`);
  }
}

/** A path leads outside the sandbox root, by `..` or through a symbolic link, or a folder on it was swapped while in use. */
export class OutsideSandboxError extends FilesError<"CORTEX_FILES_OUTSIDE_SANDBOX"> {
  constructor(
    readonly path: string,
    detail: string,
  ) {
    super("CORTEX_FILES_OUTSIDE_SANDBOX", `${JSON.stringify(path)} is outside the sandbox: ${detail}`);
  }
}

/** The file or folder does not exist. */
export class FileNotFoundError extends FilesError<"CORTEX_FILES_NOT_FOUND"> {
  constructor(
    readonly path: string,
    hint = "",
  ) {
    super("CORTEX_FILES_NOT_FOUND", `${JSON.stringify(path)} does not exist${hint}`);
  }
}

/** The target exists and `overwrite` was not set. */
export class FileExistsError extends FilesError<"CORTEX_FILES_EXISTS"> {
  constructor(readonly path: string) {
    super("CORTEX_FILES_EXISTS", `${JSON.stringify(path)} already exists (pass overwrite: true to replace it)`);
  }
}

/** A file was expected and the path is a folder (or something else). */
export class NotAFileError extends FilesError<"CORTEX_FILES_NOT_A_FILE"> {
  constructor(readonly path: string) {
    super("CORTEX_FILES_NOT_A_FILE", `${JSON.stringify(path)} is not a regular file`);
  }
}

/** A folder was expected (to list, to search, as a parent) and the path is not one. */
export class NotADirectoryError extends FilesError<"CORTEX_FILES_NOT_A_DIRECTORY"> {
  constructor(readonly path: string) {
    super("CORTEX_FILES_NOT_A_DIRECTORY", `${JSON.stringify(path)} is not a folder`);
  }
}

/** `delete` of a non-empty folder without `recursive: true`. */
export class NotEmptyError extends FilesError<"CORTEX_FILES_NOT_EMPTY"> {
  constructor(readonly path: string) {
    super("CORTEX_FILES_NOT_EMPTY", `${JSON.stringify(path)} is a folder that is not empty (pass recursive: true)`);
  }
}

/** A read or write over the configured byte limit. */
export class FileTooLargeError extends FilesError<"CORTEX_FILES_TOO_LARGE"> {
  constructor(
    readonly path: string,
    readonly bytes: number,
    readonly limit: number,
    key: string,
  ) {
    super("CORTEX_FILES_TOO_LARGE", `${JSON.stringify(path)} is ${bytes} bytes, over the ${limit}-byte limit (${key})`);
  }
}

/** `write` with `encoding: "base64"` got content that is not base64. */
export class InvalidContentError extends FilesError<"CORTEX_FILES_INVALID_CONTENT"> {
  constructor(detail: string) {
    super("CORTEX_FILES_INVALID_CONTENT", `content ${detail}`);
  }
}

/** The call's `context.signal` was aborted while the action ran. */
export class FilesAbortedError extends FilesError<"CORTEX_FILES_ABORTED"> {
  constructor(cause?: unknown) {
    super("CORTEX_FILES_ABORTED", "the action was aborted", { cause });
  }
}

/** Any other file-system failure (permissions, a full disk, …); `errno` is Node's code, e.g. `EACCES`. */
export class FilesIoError extends FilesError<"CORTEX_FILES_IO_ERROR"> {
  constructor(
    readonly path: string,
    readonly errno: string,
    cause: unknown,
  ) {
    // Never Node's own message: it holds the absolute path, and so the root.
    super("CORTEX_FILES_IO_ERROR", `${JSON.stringify(path)}: file-system error ${errno}${ERRNO_TEXT[errno] ?? ""}`, {
      cause,
    });
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

/** Runs a file-system call about `path` (relative to the root), turning Node errors into coded ones. */
export async function fsCall<T>(path: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw fromErrno(error, path) ?? error;
  }
}

/** True for an error of this package (by class, not by brand: other packages' codes differ). */
export function isFilesError(value: unknown): value is FilesError {
  return value instanceof FilesError;
}
