export { FILES_ACTIONS, FILES_CREDENTIALS, FilesPlugin } from "./plugin.js";
export type { FilesFailure, FilesPluginOptions } from "./plugin.js";
export { DEFAULT_LIMITS, DEFAULT_MAX_BYTES, FILES_CONFIG_KEYS, FILES_DEFAULTS } from "./config.js";
export type { CodeLimits, FilesLimits } from "./config.js";
export { Sandbox } from "./sandbox.js";
export type { LocateOptions, Located, ResolvedPath } from "./sandbox.js";
export type { Anchoring, Folder } from "./folder.js";
export {
  DeleteInput,
  FILES_ACTION_NAMES,
  ListInput,
  MoveInput,
  ReadInput,
  SearchInput,
  WriteInput,
} from "./schemas.js";
export type {
  DeleteParams,
  FilesActionName,
  FilesActionParams,
  ListParams,
  MoveParams,
  ReadParams,
  SearchParams,
  WriteParams,
} from "./schemas.js";
export type { EntryType } from "./actions/common.js";
export type { ListEntry, ListResult } from "./actions/list.js";
export type { ReadResult } from "./actions/read.js";
export type { SearchMatch, SearchResult } from "./actions/search.js";
export type { WriteResult } from "./actions/write.js";
export type { MoveResult } from "./actions/move.js";
export type { DeleteResult } from "./actions/delete.js";
export {
  FILES_ERRORS,
  FILES_ERROR_CODES,
  FileExistsError,
  FileNotFoundError,
  FilesAbortedError,
  FilesConfigError,
  FilesError,
  FilesIoError,
  FilesNotConfiguredError,
  FileTooLargeError,
  InvalidContentError,
  InvalidPathError,
  isFilesError,
  NotADirectoryError,
  NotAFileError,
  NotEmptyError,
  OutsideSandboxError,
} from "./errors.js";
export type { FilesErrorCode } from "./errors.js";
