import type { Command } from "../command.js";
import { UsageError } from "../errors.js";
import { importOptional } from "../optional.js";

/**
 * `cortex mcp serve …`: this project's plugins (and its `cortex.mcpServers`)
 * served as MCP tools. `@cortex/mcp` owns the command and parses its flags;
 * the CLI loads it only for this command.
 */
export const mcpCommand: Command = {
  name: "mcp",
  summary: "Serve this project's plugins as MCP tools (needs @cortex/mcp)",
  usage: "mcp serve [--http <port>] [options]",
  details:
    "Over stdio by default (for an MCP host that starts this process), over Streamable HTTP on\n" +
    "127.0.0.1 with --http. CONFIRM and ADMIN tools ask the user to approve each exact call through\n" +
    "MCP elicitation. `cortex mcp serve --help` lists every option.",
  options: {},
  args: { min: 1, max: Number.POSITIVE_INFINITY },
  passThrough: true,
  handlesInterrupt: true,
  async run(ctx) {
    const [sub, ...rest] = ctx.positionals;
    if (sub !== "serve") throw new UsageError(`unknown mcp command "${sub}"; the one command is "mcp serve"`, "mcp");
    const { runMcpServeCommand } = await importOptional(
      "@cortex/mcp",
      "mcp serve",
      () => import("@cortex/mcp"),
      ctx.io.cwd,
    );
    const { stdin, stdout, stderr, env, cwd, signal } = ctx.io;
    return runMcpServeCommand(rest, { stdin, stdout, stderr, env, cwd, ...(signal ? { signal } : {}) });
  },
};
