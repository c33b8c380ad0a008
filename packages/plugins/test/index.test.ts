import { describe, expect, it } from "vitest";
import * as api from "../src/index.js";

describe("package entry", () => {
  it("exports the public API by name", () => {
    expect(Object.keys(api).sort()).toEqual(
      [
        "ACTION_NAME_PATTERN",
        "ActionNotFoundError",
        "ActionTier",
        "ApprovalDeniedError",
        "ApprovalRequiredError",
        "CortexError",
        "CredentialMissingError",
        "DiscoveryError",
        "DuplicatePluginError",
        "EnvBroker",
        "ForbiddenError",
        "InvalidPluginError",
        "InvalidOptionsError",
        "InvalidSchemaError",
        "MemoryBroker",
        "OperationTimeoutError",
        "PLUGIN_ERROR_CODES",
        "PLUGIN_NAME_PATTERN",
        "PluginHealthStatus",
        "PluginNotFoundError",
        "PluginNotReadyError",
        "PluginRegistry",
        "PluginState",
        "REDACTED",
        "RegistryClosedError",
        "TeardownError",
        "ValidationError",
        "approvalId",
        "canonicalJson",
        "consoleLogger",
        "defaultAuthorize",
        "discoverPlugins",
        "isCortexError",
        "silentLogger",
      ].sort(),
    );
  });
});
