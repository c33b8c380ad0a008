import { z } from "zod";
import { FILES_DEFAULTS } from "./config.js";
import { MAX_GLOB_LENGTH } from "./glob.js";

// The params of each action, as zod schemas: the JSON Schema the model sees
// and the registry validates is derived from them, and so are the types the
// actions receive. Every object is strict (`additionalProperties: false`).

const path = (what: string) =>
  z
    .string()
    .min(1)
    .describe(
      `${what}, relative to the sandbox root ("." is the root). Absolute paths, ".." above the root and links leading out are refused.`,
    );

const encoding = (what: string) =>
  z.enum(["utf8", "base64"]).default("utf8").describe(`${what}: "utf8" for text (default), "base64" for binary files.`);

const flag = (description: string) => z.boolean().default(false).describe(description);

/** Params of `list`. */
export const ListInput = z.strictObject({
  path: path("Folder to list").default("."),
  recursive: flag("Also list every sub-folder, depth first."),
});

/** Params of `read`. */
export const ReadInput = z.strictObject({
  path: path("File to read"),
  encoding: encoding("How to return the content"),
});

/** Params of `search`. */
export const SearchInput = z.strictObject({
  query: z.string().min(1).max(1000).describe("Text to look for."),
  path: path("Folder to search in").default("."),
  glob: z
    .string()
    .min(1)
    .max(MAX_GLOB_LENGTH)
    .optional()
    .describe(
      'Only search files matching this pattern: "*" and "?" match within a name, "**" across folders. Without "/" it matches the file name ("*.md"); with "/" the path from the searched folder ("src/**/*.ts").',
    ),
  caseSensitive: flag("Match letter case exactly."),
  maxResults: z
    .number()
    .int()
    .min(1)
    .max(FILES_DEFAULTS.maxSearchResults)
    .default(FILES_DEFAULTS.searchResults)
    .describe("Most matches to return."),
});

/** Params of `write`. */
export const WriteInput = z.strictObject({
  path: path("File to write"),
  content: z.string().describe("The whole new content of the file."),
  encoding: encoding("How content is encoded"),
  createDirectories: flag("Create missing parent folders."),
  overwrite: flag("Replace the file if it already exists."),
});

/** Params of `move`. */
export const MoveInput = z.strictObject({
  from: path("File or folder to move"),
  to: path("New path"),
  overwrite: flag("Replace an existing destination file."),
});

/** Params of `delete`. */
export const DeleteInput = z.strictObject({
  path: path("File or folder to delete"),
  recursive: flag("Delete a folder with everything in it."),
});

/** Params of `list`, as a caller writes them. */
export type ListParams = z.input<typeof ListInput>;
/** Params of `read`, as a caller writes them. */
export type ReadParams = z.input<typeof ReadInput>;
/** Params of `search`, as a caller writes them. */
export type SearchParams = z.input<typeof SearchInput>;
/** Params of `write`, as a caller writes them. */
export type WriteParams = z.input<typeof WriteInput>;
/** Params of `move`, as a caller writes them. */
export type MoveParams = z.input<typeof MoveInput>;
/** Params of `delete`, as a caller writes them. */
export type DeleteParams = z.input<typeof DeleteInput>;

/** Names of the actions, in the order `listActions()` returns them. */
export const FILES_ACTION_NAMES = ["list", "read", "search", "write", "move", "delete"] as const;
/** One of {@link FILES_ACTION_NAMES}. */
export type FilesActionName = (typeof FILES_ACTION_NAMES)[number];

/** Params of each action, by name. */
export interface FilesActionParams {
  list: ListParams;
  read: ReadParams;
  search: SearchParams;
  write: WriteParams;
  move: MoveParams;
  delete: DeleteParams;
}
