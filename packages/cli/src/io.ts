import { InvalidOptionsError } from "@cortex/primitives";

/** A stream the CLI writes to; `process.stdout` and any `Writable` fit. */
export interface OutputStream {
  write(chunk: string): unknown;
  /** Set by Node on terminals; used to decide on colours. */
  isTTY?: boolean;
}

/**
 * Everything the CLI touches of its process, so `main` can run in tests
 * with fake streams, an environment and a working folder of their own.
 */
export interface CliIO {
  stdin: NodeJS.ReadableStream;
  stdout: OutputStream;
  stderr: OutputStream;
  /** Environment: credentials (through the env broker) and model settings. */
  env: Record<string, string | undefined>;
  /** Folder whose package.json lists the plugins to discover. */
  cwd: string;
  /** True when a person can answer prompts: stdin and stderr are terminals. */
  interactive: boolean;
  /** Aborted on Ctrl+C: a running agent stops. */
  signal?: AbortSignal;
  /** Colours on or off; default: on for terminals unless `NO_COLOR` is set. */
  color?: boolean;
}

/** The real process's streams, environment and folder. */
export function processIO(): CliIO {
  return {
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    cwd: process.cwd(),
    interactive: process.stdin.isTTY === true && process.stderr.isTTY === true,
  };
}

const isStream = (value: unknown): boolean =>
  typeof value === "object" && value !== null && typeof (value as { write?: unknown }).write === "function";

/**
 * Fills the defaults of a partial IO from the process. A stream without
 * `write`, an environment that is not an object or a folder that is not a
 * string is a `CORTEX_INVALID_OPTIONS` error naming it.
 */
export function resolveIO(io: Partial<CliIO> = {}): CliIO {
  for (const name of ["stdout", "stderr"] as const) {
    if (io[name] !== undefined && !isStream(io[name]))
      throw new InvalidOptionsError(name, `main(): io.${name} must be a stream with a write method`);
  }
  if (io.env !== undefined && (typeof io.env !== "object" || io.env === null))
    throw new InvalidOptionsError("env", "main(): io.env must be an object of environment variables");
  if (io.cwd !== undefined && typeof io.cwd !== "string")
    throw new InvalidOptionsError("cwd", "main(): io.cwd must be a folder path");
  const base = processIO();
  const merged = { ...base, ...io };
  if (io.interactive === undefined && (io.stdin !== undefined || io.stderr !== undefined)) {
    // Fake streams given without saying: nobody can answer a prompt on them.
    merged.interactive = false;
  }
  return merged;
}
