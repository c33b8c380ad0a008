import { ActionTier, type PluginActionInfo } from "@cortex/plugins";
import { FILES_DEFAULTS } from "./config.js";
import { MAX_GLOB_LENGTH } from "./glob.js";

const path = (what: string) => ({
  type: "string",
  minLength: 1,
  description: `${what}, relative to the sandbox root ("." is the root). Absolute paths, ".." above the root and links leading out are refused.`,
});

const encoding = (what: string) => ({
  type: "string",
  enum: ["utf8", "base64"],
  default: "utf8",
  description: `${what}: "utf8" for text (default), "base64" for binary files.`,
});

/** Names of the actions, in the order `listActions()` returns them. */
export const FILES_ACTION_NAMES = ["list", "read", "search", "write", "move", "delete"] as const;
/** One of {@link FILES_ACTION_NAMES}. */
export type FilesActionName = (typeof FILES_ACTION_NAMES)[number];

/** Params of `list`. */
export interface ListParams {
  path?: string;
  recursive?: boolean;
}
/** Params of `read`. */
export interface ReadParams {
  path: string;
  encoding?: "utf8" | "base64";
}
/** Params of `search`. */
export interface SearchParams {
  query: string;
  path?: string;
  glob?: string;
  caseSensitive?: boolean;
  maxResults?: number;
}
/** Params of `write`. */
export interface WriteParams {
  path: string;
  content: string;
  encoding?: "utf8" | "base64";
  createDirectories?: boolean;
  overwrite?: boolean;
}
/** Params of `move`. */
export interface MoveParams {
  from: string;
  to: string;
  overwrite?: boolean;
}
/** Params of `delete`. */
export interface DeleteParams {
  path: string;
  recursive?: boolean;
}

/** Params of each action, by name. */
export interface FilesActionParams {
  list: ListParams;
  read: ReadParams;
  search: SearchParams;
  write: WriteParams;
  move: MoveParams;
  delete: DeleteParams;
}

/**
 * The six actions with their tiers and JSON Schemas (every schema closed
 * with `additionalProperties: false`). The registry validates params
 * against these before the plugin's code runs.
 */
export const FILES_ACTIONS: readonly PluginActionInfo[] = [
  {
    name: "list",
    tier: ActionTier.AUTO,
    description:
      "List a folder in the sandbox. Returns entries with name, path, type (file, directory, symlink, other), size in bytes and modified time (ISO 8601). Links are reported, never followed when recursing.",
    parameters: {
      type: "object",
      properties: {
        path: { ...path("Folder to list"), default: "." },
        recursive: { type: "boolean", default: false, description: "Also list every sub-folder, depth first." },
      },
      additionalProperties: false,
    },
  },
  {
    name: "read",
    tier: ActionTier.AUTO,
    description:
      "Read one file from the sandbox. Files over the configured size limit (files_max_read_bytes) are refused with CORTEX_FILES_TOO_LARGE.",
    parameters: {
      type: "object",
      properties: { path: path("File to read"), encoding: encoding("How to return the content") },
      required: ["path"],
      additionalProperties: false,
    },
  },
  {
    name: "search",
    tier: ActionTier.AUTO,
    description:
      "Search file names and text file contents under a folder for a plain-text query (not a regex). Returns matching paths, and for content matches the line number and line. Results and bytes scanned are bounded; truncated tells when it stopped early.",
    parameters: {
      type: "object",
      properties: {
        query: { type: "string", minLength: 1, maxLength: 1000, description: "Text to look for." },
        path: { ...path("Folder to search in"), default: "." },
        glob: {
          type: "string",
          minLength: 1,
          maxLength: MAX_GLOB_LENGTH,
          description:
            'Only search files matching this pattern: "*" and "?" match within a name, "**" across folders. Without "/" it matches the file name ("*.md"); with "/" the path from the searched folder ("src/**/*.ts").',
        },
        caseSensitive: { type: "boolean", default: false, description: "Match letter case exactly." },
        maxResults: {
          type: "integer",
          minimum: 1,
          maximum: FILES_DEFAULTS.maxSearchResults,
          default: FILES_DEFAULTS.searchResults,
          description: "Most matches to return.",
        },
      },
      required: ["query"],
      additionalProperties: false,
    },
  },
  {
    name: "write",
    tier: ActionTier.CONFIRM,
    description:
      "Write a file in the sandbox, atomically (a temporary file in the same folder, then a rename): readers see the old content or the new, never a part. Refuses to replace an existing file unless overwrite is true, and content over files_max_write_bytes.",
    parameters: {
      type: "object",
      properties: {
        path: path("File to write"),
        content: { type: "string", description: "The whole new content of the file." },
        encoding: encoding("How content is encoded"),
        createDirectories: { type: "boolean", default: false, description: "Create missing parent folders." },
        overwrite: { type: "boolean", default: false, description: "Replace the file if it already exists." },
      },
      required: ["path", "content"],
      additionalProperties: false,
    },
  },
  {
    name: "move",
    tier: ActionTier.CONFIRM,
    description:
      "Move or rename a file or folder inside the sandbox. The parent folder of the destination must exist. Refuses to replace an existing destination unless overwrite is true; never moves the root.",
    parameters: {
      type: "object",
      properties: {
        from: path("File or folder to move"),
        to: path("New path"),
        overwrite: { type: "boolean", default: false, description: "Replace an existing destination file." },
      },
      required: ["from", "to"],
      additionalProperties: false,
    },
  },
  {
    name: "delete",
    tier: ActionTier.ADMIN,
    description:
      "Delete a file, link or folder in the sandbox (a link is removed, never its target). A folder that is not empty needs recursive: true. Never deletes the root.",
    parameters: {
      type: "object",
      properties: {
        path: path("File or folder to delete"),
        recursive: { type: "boolean", default: false, description: "Delete a folder with everything in it." },
      },
      required: ["path"],
      additionalProperties: false,
    },
  },
];
