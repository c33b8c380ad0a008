import { parseArgs, type ParseArgsConfig } from "node:util";
import pkg from "../package.json" with { type: "json" };
import type { Command, CommandContext } from "./command.js";
import { checkPluginCommand } from "./commands/check-plugin.js";
import { createPluginCommand } from "./commands/create-plugin.js";
import { demoCommand } from "./commands/demo.js";
import { execCommand } from "./commands/exec.js";
import { healthCommand } from "./commands/health.js";
import { ledgerCommand } from "./commands/ledger.js";
import { mcpCommand } from "./commands/mcp.js";
import { pluginsCommand } from "./commands/plugins.js";
import { replayCommand } from "./commands/replay.js";
import { runCommand } from "./commands/run.js";
import { serveCommand } from "./commands/serve.js";
import { dbCommand } from "./commands/db.js";
import { workerCommand } from "./commands/worker.js";
import { withDeadline } from "@cortex/primitives";
import { EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE, UsageError, exitCodeOf } from "./errors.js";
import { credentialListing, printCommandHelp, printMainHelp } from "./help.js";
import { processIO, resolveIO, type CliIO } from "./io.js";
import { printError } from "./output.js";
import { printersFor, text } from "./printer.js";

/** The CLI's version, from its package.json. */
export const VERSION: string = pkg.version;

/** Every `cortex` subcommand, in the order `--help` lists them. */
export const COMMANDS: readonly Command[] = [
  pluginsCommand,
  healthCommand,
  execCommand,
  runCommand,
  replayCommand,
  demoCommand,
  createPluginCommand,
  checkPluginCommand,
  mcpCommand,
  serveCommand,
  ledgerCommand,
  workerCommand,
  dbCommand,
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
  let io: CliIO;
  try {
    io = resolveIO(partialIO);
  } catch (error) {
    // The given streams may be what is wrong: the process's stderr tells.
    printError(printersFor(processIO()).err, error);
    return exitCodeOf(error);
  }
  const { out, err } = printersFor(io);
  let command: Command | undefined;
  try {
    const [first, ...rest] = argv;
    if (first === undefined || first === "-h" || first === "--help" || first === "help") {
      const topic = first === "help" ? rest[0] : undefined;
      const target = topic === undefined ? undefined : findCommand(topic);
      // No command at all is a usage error: the help goes to stderr and the status is 2.
      const p = first === undefined ? err : out;
      if (target) printCommandHelp(p, target);
      else printMainHelp(p, COMMANDS, VERSION, await credentialListing(io));
      return first === undefined ? EXIT_USAGE : EXIT_OK;
    }
    if (first === "-v" || first === "--version") {
      out.line(text`${VERSION}`);
      return EXIT_OK;
    }
    command = findCommand(first);
    const ctx = parseCommandLine(command, rest, io, out, err);
    if (ctx === "help") {
      printCommandHelp(out, command);
      return EXIT_OK;
    }
    const code = await untilInterrupted(command, ctx);
    return io.signal?.aborted ? EXIT_INTERRUPTED : code;
  } catch (error) {
    printError(err, error);
    if (error instanceof UsageError) {
      const usage = command ?? (error.command ? COMMANDS.find((c) => c.name === error.command) : undefined);
      if (usage) err.line(text`usage: cortex ${usage.usage}  (cortex ${usage.name} --help)`);
      else err.line(text`see \`cortex --help\` (or \`npx @cortex/cli --help\`)`);
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
  if (command.handlesInterrupt === true || signal === undefined) return command.run(ctx);
  // The command goes on in the background when interrupted; its late failure is not reported.
  return withDeadline(command.run(ctx), { signal, abortError: () => INTERRUPTED }).catch((error: unknown) => {
    if (error !== INTERRUPTED) throw error;
    ctx.err.line(text`${ctx.err.style("yellow", "interrupted")}`);
    return EXIT_INTERRUPTED;
  });
}

/** What {@link untilInterrupted}'s deadline rejects with on Ctrl+C: told apart from the command's own errors. */
const INTERRUPTED = Symbol("interrupted");

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
  if (command.passThrough === true) {
    if (args.length === 0 || args[0] === "-h" || args[0] === "--help") {
      if (args.length === 0) throw new UsageError(`"${command.name}" needs a subcommand`, command.name);
      return "help";
    }
    return { io, out, err, positionals: args, flags: {}, verbose: false };
  }
  const options: NonNullable<ParseArgsConfig["options"]> = { ...COMMON };
  for (const [name, spec] of Object.entries(command.options)) {
    options[name] = {
      type: spec.type,
      ...(spec.short ? { short: spec.short } : {}),
      ...(spec.multiple ? { multiple: true } : {}),
    };
  }
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (error) {
    // parseArgs' messages are clear but mention its own API; keep the first sentence.
    const message = error instanceof Error ? error.message.split(". To specify")[0]!.replace(/\.$/, "") : String(error);
    throw new UsageError(message, command.name);
  }
  const flags = parsed.values as CommandContext["flags"];
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
