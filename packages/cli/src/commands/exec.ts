import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import type { Approver } from "@cortex/plugins";
import { decide, approvalMode } from "../approval-prompt.js";
import {
  APPROVAL_OPTIONS,
  booleanFlag,
  principalFrom,
  stringFlag,
  type Command,
  type CommandContext,
} from "../command.js";
import { EXIT_FAILURE, EXIT_OK, InvalidParamsError, UsageError, isCortexError } from "../errors.js";
import { withHint } from "../hints.js";
import { cliLogger, loadHostPlugins, reportDiscoveryFailures } from "../host.js";
import { printError } from "../output.js";
import { text } from "../printer.js";

/** `cortex exec <plugin> <action> [params-json]`: one action through the registry's whole gate. */
export const execCommand: Command = {
  name: "exec",
  summary: "Run one plugin action and print its result as JSON",
  usage: "exec <plugin> <action> [params-json] [--params-file <file>] [--yes] [--admin | --principal <id>]",
  details:
    "Parameters are a JSON object, given as an argument or read from a file (`-` reads stdin).\n" +
    "They are validated against the action's schema before anything runs; every problem is printed\n" +
    "with its JSON pointer. CONFIRM actions ask for approval on a terminal (y/N, showing the exact\n" +
    "call); without a terminal, or when stdin held the parameters (--params-file -), they are refused\n" +
    "unless --yes is given. ADMIN actions also need --admin.\n" +
    "Exit status: 0 when the action succeeded, 1 when it failed or was refused, 2 for bad arguments,\n" +
    "130 when interrupted (Ctrl+C).",
  options: {
    "params-file": {
      type: "string",
      value: "<file>",
      description: "read the parameters (a JSON object) from a file; - for stdin",
    },
    ...APPROVAL_OPTIONS,
  },
  args: { min: 2, max: 3 },
  async run(ctx) {
    const [plugin, action, inline] = ctx.positionals as [string, string, string | undefined];
    const params = await readParams(ctx, inline);
    const principal = principalFrom(ctx);
    // Stdin was read to its end for the parameters: nobody can answer a prompt on it.
    let mode = approvalMode(ctx.io, booleanFlag(ctx, "yes"));
    const stdinUsed = mode === "prompt" && stringFlag(ctx, "params-file") === "-";
    if (stdinUsed) mode = "refuse";
    const approver: Approver | undefined =
      mode === "refuse"
        ? undefined
        : async (request) => {
            const { plugin, action, tier, params } = request;
            const call = {
              plugin,
              action,
              tier,
              params,
              ...(request.principal ? { principal: request.principal.id } : {}),
              ...(request.preview ? { preview: request.preview } : {}),
            };
            const decision = await decide(ctx.io, ctx.err, call, mode);
            if (mode === "yes")
              ctx.err.line(
                text`${ctx.err.style("dim", `approved with --yes: ${request.plugin}.${request.action} (${request.tier})`)}`,
              );
            return decision;
          };
    const { registry, report } = await loadHostPlugins(ctx.io, {
      logger: cliLogger(ctx.err, ctx.verbose),
      ...(approver ? { approver } : {}),
    });
    try {
      reportDiscoveryFailures(ctx.err, report);
      // Ctrl+C aborts the plugin's call (its context.signal); main stops waiting at once either way.
      const signal = ctx.io.signal;
      let result;
      try {
        result = await registry.execute(plugin, action, params, {
          ...(principal ? { principal } : {}),
          ...(signal ? { signal } : {}),
        });
      } catch (error) {
        if (stdinUsed && isCortexError(error) && error.code === "CORTEX_APPROVAL_REQUIRED") {
          throw withHint(
            error,
            "stdin held the parameters, so nobody can be asked on it; rerun with --yes, or give the parameters as an argument or in a --params-file <file>",
          );
        }
        throw error;
      }
      ctx.out.json(result);
      if (result.success) return EXIT_OK;
      printError(ctx.err, {
        code: result.code ?? "CORTEX_CLI_ACTION_FAILED",
        message: result.error ?? `${plugin}.${action} failed`,
      });
      return EXIT_FAILURE;
    } finally {
      await registry.shutdown();
    }
  },
};

async function readParams(ctx: CommandContext, inline: string | undefined): Promise<unknown> {
  const file = stringFlag(ctx, "params-file");
  if (file !== undefined && inline !== undefined) {
    throw new UsageError("give the parameters either as an argument or with --params-file, not both", "exec");
  }
  let text: string;
  let source: string;
  if (file === undefined) {
    if (inline === undefined) return {};
    text = inline;
    source = "the params argument";
  } else {
    source = file === "-" ? "stdin" : file;
    try {
      text = file === "-" ? await readStream(ctx.io.stdin) : await readFile(resolve(ctx.io.cwd, file), "utf8");
    } catch (error) {
      const why = isCortexError(error) || error instanceof Error ? error.message : String(error);
      throw new InvalidParamsError(`cannot read --params-file ${source}: ${why}`, { cause: error });
    }
  }
  let params: unknown;
  try {
    params = JSON.parse(text);
  } catch (error) {
    throw new InvalidParamsError(`${source} is not valid JSON: ${(error as Error).message}`, { cause: error });
  }
  if (typeof params !== "object" || params === null || Array.isArray(params)) {
    throw new InvalidParamsError(`${source} must be a JSON object, like '{"path": "notes.md"}'`);
  }
  return params;
}

async function readStream(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString("utf8");
}
