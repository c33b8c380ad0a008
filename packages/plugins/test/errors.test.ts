import { TimeoutError } from "@cortex/primitives";
import { describe, expect, it } from "vitest";
import {
  ActionNotFoundError,
  ApprovalDeniedError,
  ApprovalRequiredError,
  CortexError,
  CredentialMissingError,
  DiscoveryError,
  DuplicatePluginError,
  ForbiddenError,
  InvalidPluginError,
  InvalidSchemaError,
  isCortexError,
  OperationTimeoutError,
  PLUGINS_ERRORS,
  PluginNotFoundError,
  PluginNotReadyError,
  RegistryClosedError,
  TeardownError,
  ValidationError,
  type ApprovalRequest,
} from "../src/index.js";
import { errorDocProblems } from "../../../test-support/error-docs.js";

const request: ApprovalRequest = { id: "abc", plugin: "calendar", action: "create_event", tier: "CONFIRM", params: {} };

describe("CortexError", () => {
  it("carries code, name, message and cause", () => {
    const cause = new Error("root");
    const e = new PluginNotReadyError("calendar", "not ready", cause);
    expect(e).toBeInstanceOf(Error);
    expect(e).toBeInstanceOf(CortexError);
    expect(e).toBeInstanceOf(PluginNotReadyError);
    expect(e.code).toBe("CORTEX_PLUGIN_NOT_READY");
    expect(e.name).toBe("PluginNotReadyError");
    expect(e.cause).toBe(cause);
    expect(isCortexError(e)).toBe(true);
  });

  it("recognises branded errors from another copy or package", () => {
    class ForeignBase extends Error {
      readonly code = "CORTEX_SOMETHING";
      constructor() {
        super("from another copy");
        Object.defineProperty(this, Symbol.for("cortex.error"), { value: true });
      }
    }
    const foreign = new ForeignBase();
    expect(foreign instanceof CortexError).toBe(true);
    expect(isCortexError(foreign)).toBe(true);
    // Subclasses keep the ordinary prototype check.
    expect(foreign instanceof ValidationError).toBe(false);
    expect(new PluginNotFoundError("x") instanceof ValidationError).toBe(false);
  });

  it("rejects look-alikes without the brand", () => {
    const fake = Object.assign(new Error("x"), { code: "CORTEX_PLUGIN_NOT_FOUND" });
    expect(fake instanceof CortexError).toBe(false);
    expect(isCortexError(fake)).toBe(false);
    expect(isCortexError(null)).toBe(false);
    expect(isCortexError("CORTEX_X")).toBe(false);
  });

  it("messages name the plugin, action and field", () => {
    expect(new PluginNotFoundError("calendar").message).toContain('"calendar"');
    expect(new ActionNotFoundError("calendar", "nope", ["list_events"]).message).toMatch(/calendar.*nope.*list_events/);
    const v = new ValidationError("calendar", "list_events", [{ path: "/start", message: "is required" }]);
    expect(v.message).toContain("calendar.list_events");
    expect(v.message).toContain("/start");
    expect(v.issues).toEqual([{ path: "/start", message: "is required" }]);
    expect(new ApprovalRequiredError(request).message).toContain("calendar.create_event");
    expect(new ApprovalDeniedError(request, "too late", "alice").message).toMatch(/denied by alice: too late/);
    expect(new ForbiddenError(request, "bob", "nope").message).toContain("calendar.create_event");
  });

  it("every class has its own code and name", () => {
    const all: [CortexError, string, string][] = [
      [new PluginNotFoundError("p"), "CORTEX_PLUGIN_NOT_FOUND", "PluginNotFoundError"],
      [new ActionNotFoundError("p", "a", []), "CORTEX_ACTION_NOT_FOUND", "ActionNotFoundError"],
      [new ValidationError("p", "a", []), "CORTEX_VALIDATION_FAILED", "ValidationError"],
      [new ApprovalRequiredError(request), "CORTEX_APPROVAL_REQUIRED", "ApprovalRequiredError"],
      [new ApprovalDeniedError(request), "CORTEX_APPROVAL_DENIED", "ApprovalDeniedError"],
      [new ForbiddenError(request, undefined, "x"), "CORTEX_FORBIDDEN", "ForbiddenError"],
      [new InvalidPluginError("p", "x"), "CORTEX_INVALID_PLUGIN", "InvalidPluginError"],
      [new DuplicatePluginError("p"), "CORTEX_DUPLICATE_PLUGIN", "DuplicatePluginError"],
      [new InvalidSchemaError("p", "a", new Error("bad")), "CORTEX_INVALID_SCHEMA", "InvalidSchemaError"],
      [new CredentialMissingError("k"), "CORTEX_CREDENTIAL_MISSING", "CredentialMissingError"],
      [new RegistryClosedError("execute"), "CORTEX_REGISTRY_CLOSED", "RegistryClosedError"],
      [new OperationTimeoutError("p", "setup", 5), "CORTEX_TIMEOUT", "OperationTimeoutError"],
      [new TeardownError("p", "x", undefined), "CORTEX_TEARDOWN_FAILED", "TeardownError"],
      [new DiscoveryError("CORTEX_PLUGIN_LOAD_FAILED", "pkg", "x"), "CORTEX_PLUGIN_LOAD_FAILED", "DiscoveryError"],
    ];
    for (const [error, code, name] of all) {
      expect(error.code).toBe(code);
      expect(error.name).toBe(name);
      expect(PLUGINS_ERRORS).toHaveProperty(code, name);
    }
    expect(new OperationTimeoutError("p", "setup", 5)).toBeInstanceOf(TimeoutError);
  });
});

describe("docs/errors.md", () => {
  it("documents every code of PLUGINS_ERRORS in the @cortex/plugins section, with its class", () => {
    expect(errorDocProblems("@cortex/plugins", PLUGINS_ERRORS)).toEqual([]);
  });
});
