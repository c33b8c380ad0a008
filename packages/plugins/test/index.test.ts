import * as primitives from "@cortex/primitives";
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
        "PLUGINS_ERRORS",
        "PLUGIN_NAME_PATTERN",
        "PluginHealthStatus",
        "PluginNotFoundError",
        "PluginNotReadyError",
        "PluginRegistry",
        "PluginState",
        "REDACTED",
        "REGISTRY_DEFAULTS",
        "RegistryClosedError",
        "TeardownError",
        "ValidationError",
        "approvalId",
        "consoleLogger",
        "defaultAuthorize",
        "discoverPlugins",
        "isCortexError",
        "silentLogger",
      ].sort(),
    );
  });

  it("re-exports the shared error base and logger of @cortex/primitives, not copies", () => {
    expect(api.CortexError).toBe(primitives.CortexError);
    expect(api.isCortexError).toBe(primitives.isCortexError);
    expect(api.InvalidOptionsError).toBe(primitives.InvalidOptionsError);
    expect(api.consoleLogger).toBe(primitives.consoleLogger);
    expect(api.silentLogger).toBe(primitives.silentLogger);
  });
});
