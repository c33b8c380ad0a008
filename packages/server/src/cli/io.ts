import { readFile } from "node:fs/promises";
import { isCortexError, messageOf } from "@cortex/primitives";
import { InvalidOptionsError } from "../errors.js";
import { toLedgerKey } from "../ledger/ledger.js";
import type { LedgerKey } from "../ledger/record.js";

/** What the commands touch of their process; `@cortex/cli`'s `CliIO` fits. */
export interface CommandIO {
  stdout: { write(chunk: string): unknown };
  stderr: { write(chunk: string): unknown };
  env: Record<string, string | undefined>;
  cwd: string;
  /** Aborted on Ctrl+C: `serve` closes and resolves. */
  signal?: AbortSignal;
}

/** One option of a command, in the shape `@cortex/cli` declares its options (`parseArgs` plus help text). */
export interface CommandOption {
  type: "boolean" | "string";
  multiple?: boolean;
  short?: string;
  value?: string;
  description: string;
}

/** The environment variable that holds the server key (HMAC-SHA256 of every ledger record). */
export const KEY_ENV = "CORTEX_SERVER_KEY";

// C0 controls but tab and newline, DEL and C1 controls: text from files must not drive the terminal.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

/** Text without control characters. */
export const clean = (text: string): string => text.replace(CONTROL, "");

/** Prints a failure as `error [CODE]: message` and returns its exit status (2 for usage, 1 otherwise). */
export function printFailure(io: CommandIO, error: unknown): number {
  const code = isCortexError(error) ? error.code : "CORTEX_SERVER_INTERNAL";
  io.stderr.write(`error [${code}]: ${clean(messageOf(error))}\n`);
  return code === "CORTEX_SERVER_USAGE" ? 2 : 1;
}

/** The server key from `--key-file`, else from `CORTEX_SERVER_KEY`, else none. */
export async function keyFrom(
  file: string | undefined,
  env: Record<string, string | undefined>,
): Promise<LedgerKey | undefined> {
  let text = env[KEY_ENV];
  let where = KEY_ENV;
  if (file !== undefined) {
    try {
      text = (await readFile(file, "utf8")).trim();
      where = file;
    } catch (error) {
      throw new InvalidOptionsError("key", `cannot read the key file ${file}: ${messageOf(error)}`);
    }
  }
  if (text === undefined || text === "") return undefined;
  try {
    return toLedgerKey(text);
  } catch {
    throw new InvalidOptionsError(
      "key",
      `the server key in ${where} must be at least 32 bytes (e.g. \`openssl rand -hex 32\`)`,
    );
  }
}
