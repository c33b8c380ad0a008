import { readFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { isPlainObject, messageOf } from "@cortex/primitives";
import type { PrincipalEntry } from "../auth/tokens.js";
import type { Decider, ResumingEngine } from "../deciders.js";
import { InvalidOptionsError } from "../errors.js";
import type { ApprovalServerOptions } from "../options.js";
import type { PendingSource } from "../pending.js";
import type { ApprovalPolicy } from "../policy.js";
import type { PreviewSource } from "../preview.js";

/** What an app module's default export may resolve to. */
export type AppExport =
  | ResumingEngine
  | {
      engine?: ResumingEngine & { plugins?: object };
      decider?: Decider;
      previews?: PreviewSource | object;
      /** The app's own run store (with `listPending`), used instead of the one built from the flags. */
      runStore?: PendingSource;
    };

/** What an app module's default export is called with: the run store the server reads, to give the engine. */
export interface AppContext {
  runStore: PendingSource;
  env: Record<string, string | undefined>;
  cwd: string;
}

/** The settings of `cortex serve`, by flag name, from the flags and the config file. */
export interface Settings {
  config?: string;
  app?: string;
  store?: string;
  postgres?: string;
  schema?: string;
  ledger?: string;
  audit?: string[];
  principals?: string | PrincipalEntry[];
  policy?: string | ApprovalPolicy;
  "key-file"?: string;
  host?: string;
  port?: string | number;
  "allowed-host"?: string[];
  "secure-cookies"?: boolean;
}

/** Settings that name files: resolved against the working folder (flags) or the config file's folder. */
export const PATHS = ["app", "store", "ledger", "principals", "policy", "key-file"] as const;

/** Settings from the config file, paths resolved against its folder. */
export async function readConfig(file: string): Promise<Settings> {
  let value: unknown;
  try {
    value = JSON.parse(await readFile(file, "utf8"));
  } catch (error) {
    throw new InvalidOptionsError("config", `cannot read the config file ${file}: ${messageOf(error)}`);
  }
  if (!isPlainObject(value)) throw new InvalidOptionsError("config", `${file} must hold a JSON object`);
  const settings = { ...value } as Settings & Record<string, unknown>;
  if (typeof settings.allowedHosts === "object") settings["allowed-host"] = settings.allowedHosts as string[];
  if (typeof settings.keyFile === "string") settings["key-file"] = settings.keyFile;
  if (typeof settings.secureCookies === "boolean") settings["secure-cookies"] = settings.secureCookies;
  if (typeof settings.audit === "string") settings.audit = [settings.audit];
  for (const name of PATHS) {
    const path = settings[name];
    if (typeof path === "string") (settings as Record<string, unknown>)[name] = resolve(dirname(file), path);
  }
  if (Array.isArray(settings.audit))
    settings.audit = settings.audit.map((path) => resolve(dirname(file), String(path)));
  return settings;
}

/** A JSON file's value; `CORTEX_INVALID_OPTIONS` naming `option` when it cannot be read. */
export async function jsonFile(file: string, option: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(file, "utf8"));
  } catch (error) {
    throw new InvalidOptionsError(option, `cannot read ${file}: ${messageOf(error)}`);
  }
}

/** Loads the `--app` module and calls its default export with the store; what it gives the server. */
export async function loadApp(
  module: string,
  context: AppContext,
): Promise<Pick<ApprovalServerOptions, "engine" | "decider" | "previews"> & { store?: PendingSource }> {
  let loaded: { default?: unknown };
  try {
    loaded = (await import(pathToFileURL(module).href)) as { default?: unknown };
  } catch (error) {
    throw new InvalidOptionsError("app", `cannot load the app module ${module}: ${messageOf(error)}`);
  }
  if (typeof loaded.default !== "function")
    throw new InvalidOptionsError(
      "app",
      `${module} must export default a function ({ runStore }) => engine (or { engine } / { decider })`,
    );
  const made = (await (loaded.default as (context: AppContext) => unknown)(context)) as AppExport;
  if (typeof (made as ResumingEngine)?.resolveCheckpoint === "function") return { engine: made as ResumingEngine };
  const parts = made as Exclude<AppExport, ResumingEngine>;
  if (parts?.engine === undefined && parts?.decider === undefined)
    throw new InvalidOptionsError(
      "app",
      `${module}'s default export must resolve to an engine, { engine } or { decider }`,
    );
  return {
    ...(parts.engine ? { engine: parts.engine } : { decider: parts.decider! }),
    ...(parts.previews ? { previews: parts.previews } : {}),
    ...(parts.runStore ? { store: parts.runStore } : {}),
  };
}
