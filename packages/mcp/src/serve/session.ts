import type { HookBus } from "@cortex/hooks";
import type { PluginRegistry, Principal } from "@cortex/plugins";
import type { Logger } from "@cortex/primitives";
import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { CallToolRequestSchema, ErrorCode, ListToolsRequestSchema, McpError } from "@modelcontextprotocol/sdk/types.js";
import { answerCall } from "./call.js";
import { SessionHooks } from "./hooks.js";
import { servedTools, type ServedTool, type ToolSelection } from "./tools.js";

/** What every MCP session of one `serveMcp` shares. */
export interface SessionShared {
  readonly registry: PluginRegistry;
  readonly hooks: HookBus | undefined;
  readonly logger: Logger;
  readonly principal: Principal | undefined;
  readonly selection: ToolSelection;
  readonly serverInfo: { name: string; version: string };
  readonly elicitationTimeoutMs: number;
}

/**
 * An MCP `Server` for one session (one stdio connection, or one HTTP
 * session id): `tools/list` offers the registry's actions, `tools/call`
 * runs them through `answerCall` with this session's hooks (run id
 * `mcp-<sessionId>`).
 */
export function createSessionServer(shared: SessionShared, sessionId: string): Server {
  const server = new Server(shared.serverInfo, {
    capabilities: { tools: {} },
    instructions:
      "Cortex plugin actions. AUTO tools run at once; CONFIRM and ADMIN tools ask you to approve each exact call first.",
  });
  const hooks = new SessionHooks(shared.hooks, `mcp-${sessionId}`);
  // The tools as last listed; a call looks its tool up here first (the registry's actions only change on register).
  let listed = new Map<string, ServedTool>();
  const refresh = () => {
    const tools = servedTools(shared.registry, shared.selection);
    listed = new Map(tools.map((t) => [t.name, t]));
    return tools;
  };
  server.setRequestHandler(ListToolsRequestSchema, () => ({
    tools: refresh().map((t) => ({
      name: t.name,
      title: t.annotations.title,
      description: t.description,
      inputSchema: t.inputSchema,
      annotations: t.annotations,
    })),
  }));
  server.setRequestHandler(CallToolRequestSchema, async (request, extra) => {
    const tool = listed.get(request.params.name) ?? refresh().find((t) => t.name === request.params.name);
    if (tool === undefined) throw new McpError(ErrorCode.InvalidParams, `Unknown tool: ${request.params.name}`);
    return answerCall(
      {
        registry: shared.registry,
        hooks,
        logger: shared.logger,
        principal: shared.principal,
        clientName: () => server.getClientVersion()?.name ?? "unknown",
        canElicit: () => server.getClientCapabilities()?.elicitation?.form !== undefined,
        elicit: (params, signal) =>
          server.elicitInput(params, {
            signal,
            timeout: shared.elicitationTimeoutMs,
            relatedRequestId: extra.requestId,
          }),
      },
      tool,
      request.params.arguments,
      extra.signal,
    );
  });
  return server;
}
