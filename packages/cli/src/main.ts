import { parseArgs, type ParseArgsConfig } from "node:util";
import pkg from "../package.json" with { type: "json" };
import type { Command, CommandContext } from "./command.js";
import { checkPluginCommand } from "./commands/check-plugin.js";
import { createPluginCommand } from "./commands/create-plugin.js";
import { demoCommand } from "./commands/demo.js";
import { execCommand } from "./commands/exec.js";
import { healthCommand } from "./commands/health.js";
import { pluginsCommand } from "./commands/plugins.js";
import { runCommand } from "./commands/run.js";
import { EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE, UsageError, exitCodeOf } from "./errors.js";
import { commandHelp, mainHelp } from "./help.js";
import { resolveIO, type CliIO } from "./io.js";
import { printError, printersFor } from "./output.js";

/** The CLI's version, from its package.json. */
export const VERSION: string = pkg.version;

/** Every `cortex` subcommand, in the order `--help` lists them. */
export const COMMANDS: readonly Command[] = [
  pluginsCommand,
  healthCommand,
  execCommand,
  runCommand,
  demoCommand,
  createPluginCommand,
  checkPluginCommand,
];

const COMMON: NonNullable<ParseArgsConfig["options"]> = {
  help: { type: "boolean", short: "h" },
  verbose: { type: "boolean" },
};

/**
 * Runs the `cortex` command line `argv` (without `node` and the script) and
 * resolves to the exit status. Never rejects and never prints a stack
 * trace: every error becomes `error [CODE]: message` on stderr, with
 * status 2 for bad arguments and 1 for everything else.
 */
export async function main(argv: readonly string[], partialIO: Partial<CliIO> = {}): Promise<number> {
  const io = resolveIO(partialIO);
  const { out, err } = printersFor(io);
  let command: Command | undefined;
  try {
    const [first, ...rest] = argv;
    if (first === undefined || first === "-h" || first === "--help" || first === "help") {
      const topic = first === "help" ? rest[0] : undefined;
      const target = topic === undefined ? undefined : findCommand(topic);
      // No command at all is a usage error: the help goes to stderr and the status is 2.
      (first === undefined ? err : out).line(target ? commandHelp(target) : mainHelp(COMMANDS, VERSION));
      return first === undefined ? EXIT_USAGE : EXIT_OK;
    }
    if (first === "-v" || first === "--version") {
      out.line(VERSION);
      return EXIT_OK;
    }
    command = findCommand(first);
    const ctx = parseCommandLine(command, rest, io, out, err);
    if (ctx === "help") {
      out.line(commandHelp(command));
      return EXIT_OK;
    }
    const code = await untilInterrupted(command, ctx);
    return io.signal?.aborted ? EXIT_INTERRUPTED : code;
  } catch (error) {
    printError(err, error);
    if (error instanceof UsageError) {
      const usage = command ?? (error.command ? COMMANDS.find((c) => c.name === error.command) : undefined);
      err.line(usage ? `usage: cortex ${usage.usage}  (cortex ${usage.name} --help)` : "see `cortex --help`");
    }
    return io.signal?.aborted ? EXIT_INTERRUPTED : exitCodeOf(error);
  }
}

/**
 * Runs a command; one that does not honour the signal itself is not waited
 * for once Ctrl+C aborts it (resolves to 130, after saying so on stderr).
 */
async function untilInterrupted(command: Command, ctx: CommandContext): Promise<number> {
  const signal = ctx.io.signal;
  const running = command.run(ctx);
  if (command.handlesInterrupt === true || signal === undefined) return running;
  // The command goes on in the background when interrupted; its late failure is not reported.
  running.catch(() => undefined);
  let onAbort: (() => void) | undefined;
  const interrupted = new Promise<number>((resolve) => {
    onAbort = () => {
      ctx.err.line(ctx.err.style("yellow", "interrupted"));
      resolve(EXIT_INTERRUPTED);
    };
    if (signal.aborted) onAbort();
    else signal.addEventListener("abort", onAbort, { once: true });
  });
  try {
    return await Promise.race([running, interrupted]);
  } finally {
    if (onAbort) signal.removeEventListener("abort", onAbort);
  }
}

function findCommand(name: string): Command {
  const found = COMMANDS.find((c) => c.name === name);
  if (found) return found;
  if (name.startsWith("-")) throw new UsageError(`unknown option "${name}" before the command`);
  throw new UsageError(`unknown command "${name}"; commands: ${COMMANDS.map((c) => c.name).join(", ")}`);
}

function parseCommandLine(
  command: Command,
  args: string[],
  io: CliIO,
  out: CommandContext["out"],
  err: CommandContext["err"],
): CommandContext | "help" {
  const options: NonNullable<ParseArgsConfig["options"]> = { ...COMMON };
  for (const [name, spec] of Object.entries(command.options)) {
    options[name] = spec.short ? { type: spec.type, short: spec.short } : { type: spec.type };
  }
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (error) {
    // parseArgs' messages are clear but mention its own API; keep the first sentence.
    const message = error instanceof Error ? error.message.split(". To specify")[0]!.replace(/\.$/, "") : String(error);
    throw new UsageError(message, command.name);
  }
  const flags = parsed.values as Record<string, string | boolean | undefined>;
  if (flags.help === true) return "help";
  const { positionals } = parsed;
  const { min, max } = command.args;
  if (positionals.length < min)
    throw new UsageError(
      `"${command.name}" needs ${min === max ? min : `at least ${min}`} argument(s), got ${positionals.length}`,
      command.name,
    );
  if (positionals.length > max) {
    throw new UsageError(
      `"${command.name}" takes ${max === 0 ? "no" : `at most ${max}`} argument(s); unexpected "${positionals[max]}"`,
      command.name,
    );
  }
  return { io, out, err, positionals, flags, verbose: flags.verbose === true };
}
