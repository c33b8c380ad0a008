import { CortexError, InvalidOptionsError, type CortexErrorOptions, type ErrorTable } from "@cortex/primitives";

/** Every code `@cortex/mcp` throws or puts on a failure result, with the class that carries it. */
export const MCP_ERRORS = {
  CORTEX_INVALID_OPTIONS: "InvalidOptionsError",
  CORTEX_MCP_CONNECT_FAILED: "McpConnectError",
  CORTEX_MCP_DISCOVERY_FAILED: "McpDiscoveryError",
  CORTEX_MCP_SERVE_FAILED: "McpServeError",
  CORTEX_MCP_TOOL_ERROR: "result",
  CORTEX_MCP_CALL_FAILED: "result",
  CORTEX_MCP_SERVER_UNAVAILABLE: "result",
  CORTEX_MCP_TOOL_UNAVAILABLE: "result",
  CORTEX_MCP_TIER_RAISED: "result",
  CORTEX_MCP_APPROVAL_UNAVAILABLE: "result",
} as const satisfies ErrorTable;

/** A code of {@link MCP_ERRORS}. */
export type McpErrorCode = keyof typeof MCP_ERRORS;

/** A code of {@link MCP_ERRORS} that only appears on a failure result. */
export type McpResultCode = {
  [K in McpErrorCode]: (typeof MCP_ERRORS)[K] extends "result" ? K : never;
}[McpErrorCode];

export { InvalidOptionsError };

/** An MCP server could not be started, or did not finish the initialize handshake in time. */
export class McpConnectError extends CortexError<"CORTEX_MCP_CONNECT_FAILED"> {
  constructor(
    /** The plugin name of the server. */
    readonly server: string,
    message: string,
    options?: CortexErrorOptions,
  ) {
    super("CORTEX_MCP_CONNECT_FAILED", message, options);
  }
}

/** A `cortex.mcpServers` entry of a package.json is unusable. */
export class McpDiscoveryError extends CortexError<"CORTEX_MCP_DISCOVERY_FAILED"> {
  constructor(
    /** The server's key in `cortex.mcpServers`, when the fault is in one entry. */
    readonly server: string | undefined,
    message: string,
    options?: CortexErrorOptions,
  ) {
    super("CORTEX_MCP_DISCOVERY_FAILED", message, options);
  }
}

/** `serveMcp` could not start (the port is taken, the registry is closed…). */
export class McpServeError extends CortexError<"CORTEX_MCP_SERVE_FAILED"> {
  constructor(message: string, options?: CortexErrorOptions) {
    super("CORTEX_MCP_SERVE_FAILED", message, options);
  }
}
