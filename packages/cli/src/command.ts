import type { CliIO } from "./io.js";
import type { Printer } from "./printer.js";

/** One option of a command, as `node:util` `parseArgs` takes it plus help text. */
export interface OptionSpec {
  type: "boolean" | "string";
  short?: string;
  /** Placeholder shown in help, e.g. `<file>`. */
  value?: string;
  description: string;
}

/** What a command gets: its arguments, parsed flags, printers and the process IO. */
export interface CommandContext {
  io: CliIO;
  /** Results (stdout). */
  out: Printer;
  /** Diagnostics, progress and prompts (stderr). */
  err: Printer;
  positionals: string[];
  flags: Record<string, string | boolean | undefined>;
  verbose: boolean;
}

/** A `cortex` subcommand. `run` resolves to the exit status; errors it throws are printed by `main`. */
export interface Command {
  name: string;
  /** One line for the command list. */
  summary: string;
  /** Usage line after `cortex `. */
  usage: string;
  /** More help, shown by `cortex <command> --help`. */
  details?: string;
  options: Record<string, OptionSpec>;
  /** How many positional arguments it takes. */
  args: { min: number; max: number };
  /**
   * True when `run` honours `io.signal` (Ctrl+C) itself and ends soon after it
   * aborts. Otherwise `main` stops waiting for the command when the signal
   * aborts and resolves to 130 at once.
   */
  handlesInterrupt?: boolean;
  /**
   * True when the command parses its own arguments: everything after its
   * name reaches it as `positionals`, untouched (only a first `-h`/`--help`
   * shows this command's help).
   */
  passThrough?: boolean;
  run(ctx: CommandContext): Promise<number>;
}

/** A string flag's value, or undefined. */
export function stringFlag(ctx: CommandContext, name: string): string | undefined {
  const value = ctx.flags[name];
  return typeof value === "string" ? value : undefined;
}

/** A boolean flag's value. */
export function booleanFlag(ctx: CommandContext, name: string): boolean {
  return ctx.flags[name] === true;
}

/** The principal `--admin` / `--principal <id>` act as: `{ id, roles: ["admin"] }`; none without either flag. */
export function principalFrom(ctx: CommandContext): { id: string; roles: string[] } | undefined {
  const id = stringFlag(ctx, "principal");
  if (id === undefined && !booleanFlag(ctx, "admin")) return undefined;
  return { id: id ?? "cli", roles: ["admin"] };
}

/** Options shared by the commands that may run CONFIRM and ADMIN actions. */
export const APPROVAL_OPTIONS: Record<string, OptionSpec> = {
  yes: {
    type: "boolean",
    short: "y",
    description: "approve every CONFIRM/ADMIN call without asking (needed without a terminal)",
  },
  admin: { type: "boolean", description: 'allow ADMIN actions, acting as principal { id: "cli", roles: ["admin"] }' },
  principal: {
    type: "string",
    value: "<id>",
    description: "like --admin, acting as principal <id> (with the admin role)",
  },
};
