import { describe, expect, it } from "vitest";
import { errorDocProblems } from "../../../test-support/error-docs.js";
import { MCP_ERRORS, McpConnectError, McpDiscoveryError, McpServeError } from "../src/index.js";

describe("MCP_ERRORS", () => {
  it("matches the @cortex/mcp section of docs/errors.md", () => {
    expect(errorDocProblems("@cortex/mcp", MCP_ERRORS)).toEqual([]);
  });

  it("names each class after itself and carries its code", () => {
    expect(new McpConnectError("x", "m")).toMatchObject({
      name: "McpConnectError",
      code: "CORTEX_MCP_CONNECT_FAILED",
      server: "x",
    });
    expect(new McpDiscoveryError("y", "m")).toMatchObject({
      name: "McpDiscoveryError",
      code: "CORTEX_MCP_DISCOVERY_FAILED",
    });
    expect(new McpServeError("m")).toMatchObject({ name: "McpServeError", code: "CORTEX_MCP_SERVE_FAILED" });
  });
});
