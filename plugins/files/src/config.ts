import { InvalidOptionsError, isCortexError, isPlainObject, messageOf } from "@cortex/primitives";
import type { CredentialBroker } from "@cortex/plugins";
import { FilesConfigError } from "./errors.js";
import { Sandbox } from "./sandbox.js";

/** Keys `setup` asks the broker for. Only `files_root` is required. */
export const FILES_CONFIG_KEYS = {
  /** The sandbox folder; must exist and be a folder. Resolved with `realpath` once, at setup. */
  root: "files_root",
  /** Largest file `read` returns, in bytes (default 1 MiB). */
  maxReadBytes: "files_max_read_bytes",
  /** Largest content `write` accepts, in bytes once decoded (default 1 MiB). */
  maxWriteBytes: "files_max_write_bytes",
} as const;

/** Limits that bound what one action may touch. */
export interface FilesLimits {
  /** Largest file `read` returns (config `files_max_read_bytes`). Also the largest file `search` scans. */
  readonly maxReadBytes: number;
  /** Largest content `write` accepts (config `files_max_write_bytes`). */
  readonly maxWriteBytes: number;
  /** Most entries one `list` returns; the rest is reported as `truncated`. */
  readonly maxListEntries: number;
  /** Most matches one `search` returns (the model may ask for fewer). */
  readonly maxSearchResults: number;
  /** Most bytes of file contents one `search` reads before it stops as `truncated`. */
  readonly maxSearchBytes: number;
}

/** Every default of the plugin, in one place: the limits, and what an action uses when its params leave it out. */
export const FILES_DEFAULTS = {
  /** `files_max_read_bytes` when the broker has none: 1 MiB. */
  maxReadBytes: 1024 * 1024,
  /** `files_max_write_bytes` when the broker has none: 1 MiB. */
  maxWriteBytes: 1024 * 1024,
  maxListEntries: 1000,
  maxSearchResults: 200,
  maxSearchBytes: 16 * 1024 * 1024,
  /** Matches a `search` returns when the call gives no `maxResults`. */
  searchResults: 50,
  /** Most entries of a moved folder checked for links; a bigger folder is refused. */
  maxMoveScan: 100_000,
  /** Largest file (old or new content, in bytes) a `write` preview shows as a diff; bigger ones get a summary only. */
  maxDiffBytes: 256 * 1024,
} as const;

/** Limits a host sets in code (the constructor options), not through the broker. */
export type CodeLimits = Omit<FilesLimits, "maxReadBytes" | "maxWriteBytes">;

/** @deprecated Use {@link FILES_DEFAULTS}: the default of both byte limits. */
export const DEFAULT_MAX_BYTES = FILES_DEFAULTS.maxReadBytes;

/** @deprecated Use {@link FILES_DEFAULTS}: the defaults of the limits not read from the broker. */
export const DEFAULT_LIMITS: CodeLimits = {
  maxListEntries: FILES_DEFAULTS.maxListEntries,
  maxSearchResults: FILES_DEFAULTS.maxSearchResults,
  maxSearchBytes: FILES_DEFAULTS.maxSearchBytes,
};

const CODE_LIMIT_NAMES = ["maxListEntries", "maxSearchResults", "maxSearchBytes"] as const;

/**
 * The limits set in code, each a whole number > 0, over the defaults. Anything
 * else (an unknown key, `0`, `1.5`, a string) is a `CORTEX_INVALID_OPTIONS`
 * error naming the option, thrown by the constructor.
 */
export function codeLimits(options: unknown): CodeLimits {
  if (options === undefined) return { ...DEFAULT_LIMITS };
  if (!isPlainObject(options)) throw new InvalidOptionsError("options", "FilesPlugin: options must be an object");
  const limits: Record<string, number> = { ...DEFAULT_LIMITS };
  for (const [key, value] of Object.entries(options)) {
    if (!(CODE_LIMIT_NAMES as readonly string[]).includes(key)) {
      throw new InvalidOptionsError(
        key,
        `FilesPlugin: unknown option "${key}" (options: ${CODE_LIMIT_NAMES.join(", ")})`,
      );
    }
    if (value === undefined) continue;
    if (typeof value !== "number" || !Number.isSafeInteger(value) || value <= 0) {
      throw new InvalidOptionsError(key, `FilesPlugin: ${key} must be a whole number > 0; got ${messageOf(value)}`);
    }
    limits[key] = value;
  }
  return limits as unknown as CodeLimits;
}

/** What `setup` produced: the opened sandbox and its limits. */
export interface FilesConfig {
  readonly sandbox: Sandbox;
  readonly limits: FilesLimits;
}

/**
 * Reads the configuration from the broker. A missing `files_root` rejects
 * with the broker's `CORTEX_CREDENTIAL_MISSING`; a missing optional key (that
 * exact code, nothing else) falls back to its default.
 */
export async function readConfig(broker: CredentialBroker, limits: CodeLimits): Promise<FilesConfig> {
  // Settings, not secrets: asked for as such, so the registry leaves them readable in error text.
  const root = await broker.get(FILES_CONFIG_KEYS.root, { secret: false });
  const maxReadBytes = await optionalSize(broker, FILES_CONFIG_KEYS.maxReadBytes, FILES_DEFAULTS.maxReadBytes);
  const maxWriteBytes = await optionalSize(broker, FILES_CONFIG_KEYS.maxWriteBytes, FILES_DEFAULTS.maxWriteBytes);
  const sandbox = await Sandbox.open(root, FILES_CONFIG_KEYS.root);
  return { sandbox, limits: { ...limits, maxReadBytes, maxWriteBytes } };
}

async function optionalSize(broker: CredentialBroker, key: string, fallback: number): Promise<number> {
  let text: string;
  try {
    text = await broker.get(key, { secret: false });
  } catch (error) {
    if (isCortexError(error) && error.code === "CORTEX_CREDENTIAL_MISSING") return fallback;
    throw error;
  }
  const value = Number(text.trim());
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(value) || value <= 0) {
    throw new FilesConfigError(key, `must be a positive whole number of bytes, got ${JSON.stringify(text)}`);
  }
  return value;
}
