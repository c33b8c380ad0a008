import { constants } from "node:fs";
import { access, stat } from "node:fs/promises";
import {
  ActionTier,
  DefinedPlugin,
  definePlugin,
  MemoryBroker,
  PluginHealthStatus,
  type ActionContext,
  type HealthAnswer,
  type PluginActionInfo,
} from "@cortex/plugins";
import { messageOf } from "@cortex/primitives";
import pkg from "../package.json" with { type: "json" };
import { remove } from "./actions/delete.js";
import { list } from "./actions/list.js";
import { move } from "./actions/move.js";
import { previewDelete, previewMove, previewWrite } from "./actions/preview.js";
import { read } from "./actions/read.js";
import { search } from "./actions/search.js";
import { write } from "./actions/write.js";
import type { ActionEnv } from "./actions/common.js";
import {
  codeLimits,
  FILES_CONFIG_KEYS,
  readConfig,
  type CodeLimits,
  type FilesConfig,
  type FilesLimits,
} from "./config.js";
import { FilesNotConfiguredError, fromErrno, type FilesErrorCode } from "./errors.js";
import { DeleteInput, ListInput, MoveInput, ReadInput, SearchInput, WriteInput } from "./schemas.js";

/** Limits not read from the broker, each a whole number > 0 (see `FILES_DEFAULTS`); for embedding and tests. */
export type FilesPluginOptions = Partial<CodeLimits>;

/** A failure as `executeAction` returns it: the message and the stable code. */
export interface FilesFailure {
  success: false;
  error: string;
  code: FilesErrorCode | "CORTEX_ACTION_NOT_FOUND";
}

/** The configuration the plugin reads, declared: `cortex plugins` and `cortex --help` list them. */
export const FILES_CREDENTIALS = {
  [FILES_CONFIG_KEYS.root]: { description: "The sandbox folder every path stays inside", secret: false },
  [FILES_CONFIG_KEYS.maxReadBytes]: {
    description: "Largest file read returns, in bytes (default 1 MiB)",
    secret: false,
    required: false,
  },
  [FILES_CONFIG_KEYS.maxWriteBytes]: {
    description: "Largest content write accepts, in bytes (default 1 MiB)",
    secret: false,
    required: false,
  },
} as const;

/** What one plugin instance holds: its code limits and, once set up, its sandbox. */
interface FilesState {
  readonly defaults: CodeLimits;
  config: FilesConfig | undefined;
}

/**
 * Runs `act` with the sandbox, the limits and the call's signal. A refused
 * path, a missing file or a limit becomes a coded `FilesError`, which the
 * typed form turns into `{ success: false, error, code }`; anything else is
 * a bug, reported by the registry as `CORTEX_PLUGIN_ERROR`.
 */
async function withEnv<T>(state: FilesState, ctx: ActionContext, path: string, act: (env: ActionEnv) => Promise<T>) {
  const config = state.config;
  if (config === undefined) throw new FilesNotConfiguredError();
  try {
    // Not `{ ...config, signal }`: on Node 20 a field added after a spread costs about 1 µs a call.
    return await act(Object.assign({}, config, { signal: ctx.signal }));
  } catch (error) {
    throw fromErrno(error, path) ?? error;
  }
}

function definition(state: FilesState) {
  return definePlugin({
    name: "files",
    version: pkg.version,
    description: "Read, search and change files inside one sandboxed folder (list, read, search, write, move, delete).",
    credentials: FILES_CREDENTIALS,
    async setup({ credentials }) {
      // The values were read once, as declared: the config is parsed from them, not asked for again.
      const values = new Map(Object.entries(credentials).filter((entry): entry is [string, string] => !!entry[1]));
      state.config = await readConfig(new MemoryBroker(values), state.defaults);
    },
    teardown() {
      state.config = undefined;
    },
    health: () => health(state),
    actions: {
      list: {
        description:
          "List a folder in the sandbox. Returns entries with name, path, type (file, directory, symlink, other), size in bytes and modified time (ISO 8601). Links are reported, never followed when recursing.",
        tier: ActionTier.AUTO,
        input: ListInput,
        examples: [{}, { path: "docs", recursive: true }],
        readOnly: true,
        idempotent: true,
        run: (input, ctx) => withEnv(state, ctx, input.path, (env) => list(env, input)),
      },
      read: {
        description:
          "Read one file from the sandbox. Files over the configured size limit (files_max_read_bytes) are refused with CORTEX_FILES_TOO_LARGE.",
        tier: ActionTier.AUTO,
        input: ReadInput,
        examples: [{ path: "README.md" }, { path: "logo.png", encoding: "base64" }],
        readOnly: true,
        idempotent: true,
        run: (input, ctx) => withEnv(state, ctx, input.path, (env) => read(env, input)),
      },
      search: {
        description:
          "Search file names and text file contents under a folder for a plain-text query (not a regex). Returns matching paths, and for content matches the line number and line. Results and bytes scanned are bounded; truncated tells when it stopped early.",
        tier: ActionTier.AUTO,
        input: SearchInput,
        examples: [{ query: "TODO" }, { query: "export", path: "src", glob: "**/*.ts", maxResults: 10 }],
        readOnly: true,
        idempotent: true,
        run: (input, ctx) => withEnv(state, ctx, input.path, (env) => search(env, input)),
      },
      write: {
        description:
          "Write a file in the sandbox, atomically (a temporary file in the same folder, then a rename): readers see the old content or the new, never a part. Refuses to replace an existing file unless overwrite is true, and content over files_max_write_bytes.",
        tier: ActionTier.CONFIRM,
        input: WriteInput,
        examples: [{ path: "notes/todo.md", content: "- buy milk\n", createDirectories: true }],
        preview: (input, ctx) => withEnv(state, ctx, input.path, (env) => previewWrite(env, input)),
        run: (input, ctx) => withEnv(state, ctx, input.path, (env) => write(env, input)),
      },
      move: {
        description:
          "Move or rename a file or folder inside the sandbox. The parent folder of the destination must exist. Refuses to replace an existing destination unless overwrite is true; never moves the root.",
        tier: ActionTier.CONFIRM,
        input: MoveInput,
        examples: [{ from: "draft.md", to: "final.md" }],
        preview: (input, ctx) => withEnv(state, ctx, input.from, (env) => previewMove(env, input)),
        run: (input, ctx) => withEnv(state, ctx, input.from, (env) => move(env, input)),
      },
      delete: {
        description:
          "Delete a file, link or folder in the sandbox (a link is removed, never its target). A folder that is not empty needs recursive: true. Never deletes the root.",
        tier: ActionTier.ADMIN,
        input: DeleteInput,
        examples: [{ path: "old.log" }, { path: "build", recursive: true }],
        preview: (input, ctx) => withEnv(state, ctx, input.path, (env) => previewDelete(env, input)),
        run: (input, ctx) => withEnv(state, ctx, input.path, (env) => remove(env, input)),
      },
    },
  });
}

/**
 * HEALTHY when the root is a readable and writable folder; UNHEALTHY
 * otherwise; UNKNOWN before setup. `details.anchoring` says how folders are
 * reached: `"descriptor"` where a racing process cannot redirect a step.
 */
async function health(state: FilesState): Promise<HealthAnswer> {
  const config = state.config;
  if (config === undefined) return { status: PluginHealthStatus.UNKNOWN, details: { configured: false } };
  const { root, anchoring } = config.sandbox;
  const { maxReadBytes, maxWriteBytes } = config.limits;
  const details = { root, anchoring, maxReadBytes, maxWriteBytes };
  try {
    if (!(await stat(root)).isDirectory()) throw new Error(`${root} is not a folder`);
    await access(root, constants.R_OK | constants.W_OK | constants.X_OK);
    return { status: PluginHealthStatus.HEALTHY, details };
  } catch (error) {
    return { status: PluginHealthStatus.UNHEALTHY, details, error: `sandbox root unusable: ${messageOf(error)}` };
  }
}

type FilesDefinition = ReturnType<typeof definition>;

/**
 * A sandboxed folder as a Cortex plugin, defined with `definePlugin`:
 * `list`, `read`, `search` (AUTO), `write`, `move` (CONFIRM) and `delete`
 * (ADMIN), their params from zod schemas. Configured from the broker in
 * `setup` (`files_root`, optional `files_max_read_bytes` and
 * `files_max_write_bytes`). Every path stays inside the root; failures come
 * back as `{ success: false, error, code }`, never as a throw. `write`
 * previews as a unified diff, `move` and `delete` as a summary.
 */
export class FilesPlugin extends DefinedPlugin<
  FilesDefinition extends DefinedPlugin<infer I, infer _C> ? I : never,
  typeof FILES_CREDENTIALS
> {
  readonly #state: FilesState;

  /**
   * Options are optional: discovery constructs the plugin with no arguments.
   * A limit that is not a whole number > 0, or an unknown option, throws
   * `CORTEX_INVALID_OPTIONS`.
   */
  constructor(options?: FilesPluginOptions) {
    const state: FilesState = { defaults: codeLimits(options), config: undefined };
    super(definition(state).definition);
    this.#state = state;
  }

  /** Real path of the sandbox root once set up, else `undefined`. */
  get root(): string | undefined {
    return this.#state.config?.sandbox.root;
  }

  /** Effective limits once set up, else `undefined`. */
  get limits(): FilesLimits | undefined {
    return this.#state.config?.limits;
  }
}

/** The six actions with their tiers and derived JSON Schemas, as `listActions()` returns them. */
export const FILES_ACTIONS: readonly PluginActionInfo[] = new FilesPlugin().listActions();
