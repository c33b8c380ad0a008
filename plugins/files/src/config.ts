import { isCortexError, type CredentialBroker } from "@cortex/plugins";
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

/** 1 MiB, the default of both byte limits. */
export const DEFAULT_MAX_BYTES = 1024 * 1024;

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

/** Defaults of the limits not read from the broker. */
export const DEFAULT_LIMITS: Omit<FilesLimits, "maxReadBytes" | "maxWriteBytes"> = {
  maxListEntries: 1000,
  maxSearchResults: 200,
  maxSearchBytes: 16 * 1024 * 1024,
};

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
export async function readConfig(
  broker: CredentialBroker,
  limits: Omit<FilesLimits, "maxReadBytes" | "maxWriteBytes">,
): Promise<FilesConfig> {
  // Settings, not secrets: asked for as such, so the registry leaves them readable in error text.
  const root = await broker.get(FILES_CONFIG_KEYS.root, { secret: false });
  const maxReadBytes = await optionalSize(broker, FILES_CONFIG_KEYS.maxReadBytes);
  const maxWriteBytes = await optionalSize(broker, FILES_CONFIG_KEYS.maxWriteBytes);
  const sandbox = await Sandbox.open(root, FILES_CONFIG_KEYS.root);
  return { sandbox, limits: { ...limits, maxReadBytes, maxWriteBytes } };
}

async function optionalSize(broker: CredentialBroker, key: string): Promise<number> {
  let text: string;
  try {
    text = await broker.get(key, { secret: false });
  } catch (error) {
    if (isCortexError(error) && error.code === "CORTEX_CREDENTIAL_MISSING") return DEFAULT_MAX_BYTES;
    throw error;
  }
  const value = Number(text.trim());
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(value) || value <= 0) {
    throw new FilesConfigError(key, `must be a positive whole number of bytes, got ${JSON.stringify(text)}`);
  }
  return value;
}
