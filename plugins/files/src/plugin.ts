import { constants } from "node:fs";
import { access, stat } from "node:fs/promises";
import {
  PluginHealthStatus,
  type ActionContext,
  type CredentialBroker,
  type Plugin,
  type PluginActionInfo,
  type PluginHealthReport,
  type PluginResult,
} from "@cortex/plugins";
import { messageOf } from "@cortex/primitives";
import pkg from "../package.json" with { type: "json" };
import { remove } from "./actions/delete.js";
import { list } from "./actions/list.js";
import { move } from "./actions/move.js";
import { read } from "./actions/read.js";
import { search } from "./actions/search.js";
import { write } from "./actions/write.js";
import type { ActionEnv } from "./actions/common.js";
import { codeLimits, readConfig, type CodeLimits, type FilesConfig, type FilesLimits } from "./config.js";
import { FilesNotConfiguredError, fromErrno, type FilesErrorCode } from "./errors.js";
import { FILES_ACTIONS, FILES_ACTION_NAMES, type FilesActionName, type FilesActionParams } from "./schemas.js";

/** Limits not read from the broker, each a whole number > 0 (see `FILES_DEFAULTS`); for embedding and tests. */
export type FilesPluginOptions = Partial<CodeLimits>;

/** A failure as `executeAction` returns it: the message and the stable code. */
export interface FilesFailure {
  success: false;
  error: string;
  code: FilesErrorCode | "CORTEX_ACTION_NOT_FOUND";
}

type Handler<A extends FilesActionName> = (env: ActionEnv, params: FilesActionParams[A]) => Promise<unknown>;
const HANDLERS: { [A in FilesActionName]: Handler<A> } = { list, read, search, write, move, delete: remove };

const isAction = (name: string): name is FilesActionName => (FILES_ACTION_NAMES as readonly string[]).includes(name);

/**
 * A sandboxed folder as a Cortex plugin: `list`, `read`, `search` (AUTO),
 * `write`, `move` (CONFIRM) and `delete` (ADMIN). Configured from the broker
 * in `setup` (`files_root`, optional `files_max_read_bytes` and
 * `files_max_write_bytes`). Every path stays inside the root; failures come
 * back as `{ success: false, error, code }`, never as a throw.
 */
export class FilesPlugin implements Plugin {
  /** Always `"files"`: the key in `cortex.plugins` and the tool prefix (`files__read`). */
  readonly name = "files";
  /** This package's version (from its package.json, inlined at build). */
  readonly version: string = pkg.version;
  /** What the plugin is for, as shown to the model. */
  readonly description =
    "Read, search and change files inside one sandboxed folder (list, read, search, write, move, delete).";
  readonly #defaults: CodeLimits;
  #config: FilesConfig | undefined;

  /**
   * Options are optional: discovery constructs the plugin with no arguments.
   * A limit that is not a whole number > 0, or an unknown option, throws
   * `CORTEX_INVALID_OPTIONS`.
   */
  constructor(options?: FilesPluginOptions) {
    this.#defaults = codeLimits(options);
  }

  /** Real path of the sandbox root once set up, else `undefined`. */
  get root(): string | undefined {
    return this.#config?.sandbox.root;
  }

  /** Effective limits once set up, else `undefined`. */
  get limits(): FilesLimits | undefined {
    return this.#config?.limits;
  }

  /**
   * Reads the configuration and opens the sandbox. Rejects with the broker's
   * `CORTEX_CREDENTIAL_MISSING` without `files_root`, and with
   * `CORTEX_FILES_INVALID_CONFIG` when the root is not a folder or a limit is
   * not a positive integer.
   */
  async setup(broker: CredentialBroker): Promise<void> {
    this.#config = await readConfig(broker, this.#defaults);
  }

  /** Forgets the configuration; actions then fail with `CORTEX_FILES_NOT_CONFIGURED`. */
  teardown(): void {
    this.#config = undefined;
  }

  /** The six actions with their tiers and schemas. */
  listActions(): readonly PluginActionInfo[] {
    return FILES_ACTIONS;
  }

  /**
   * Runs an action. Never throws for a refused path, a missing file or a
   * limit: resolves to `{ success: false, error, code }` (see
   * {@link FilesFailure}). An unknown action gives `CORTEX_ACTION_NOT_FOUND`.
   * `context.signal` stops a running `search` (and a `write` before it commits).
   */
  async executeAction(action: string, params: Record<string, unknown>, context?: ActionContext): Promise<PluginResult> {
    if (!isAction(action)) {
      return failure(
        "CORTEX_ACTION_NOT_FOUND",
        `plugin "files" has no action "${action}" (actions: ${FILES_ACTION_NAMES.join(", ")})`,
      );
    }
    try {
      const config = this.#config;
      if (config === undefined) throw new FilesNotConfiguredError();
      const env: ActionEnv = { ...config, signal: context?.signal };
      // The registry validated params against this action's schema: trusted from here.
      const handler = HANDLERS[action] as Handler<FilesActionName>;
      const data = await handler(env, params);
      return { success: true, data };
    } catch (error) {
      const coded = fromErrno(error, typeof params.path === "string" ? params.path : ".");
      if (coded === undefined) throw error; // a bug: the registry reports it as CORTEX_PLUGIN_ERROR
      return failure(coded.code, `files.${action}: ${coded.message}`);
    }
  }

  /**
   * HEALTHY when the root is a readable and writable folder; UNHEALTHY
   * otherwise; UNKNOWN before setup. `details.anchoring` says how folders are
   * reached: `"descriptor"` where a racing process cannot redirect a step.
   */
  async health(): Promise<PluginHealthReport> {
    const config = this.#config;
    if (config === undefined) {
      return { plugin: this.name, status: PluginHealthStatus.UNKNOWN, details: { configured: false } };
    }
    const { root, anchoring } = config.sandbox;
    const { maxReadBytes, maxWriteBytes } = config.limits;
    const details = { root, anchoring, maxReadBytes, maxWriteBytes };
    try {
      if (!(await stat(root)).isDirectory()) throw new Error(`${root} is not a folder`);
      await access(root, constants.R_OK | constants.W_OK | constants.X_OK);
      return { plugin: this.name, status: PluginHealthStatus.HEALTHY, details };
    } catch (error) {
      return {
        plugin: this.name,
        status: PluginHealthStatus.UNHEALTHY,
        details,
        error: `sandbox root unusable: ${messageOf(error)}`,
      };
    }
  }
}

function failure(code: FilesFailure["code"], error: string): FilesFailure {
  return { success: false, error, code };
}
