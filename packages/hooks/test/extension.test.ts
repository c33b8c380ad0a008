import { describe, expect, it } from "vitest";
import {
  InvalidExtensionError,
  InvalidHookHandlerError,
  UnknownHookError,
  type Extension,
  type RunStartedEvent,
} from "../src/index.js";
import { validateExtension } from "../src/extension.js";

const run: RunStartedEvent = { agentId: "a", runId: "r", input: null };

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error("expected a throw");
}

describe("validateExtension", () => {
  it("accepts a plain object and lists its hooks in HOOK_NAMES order", () => {
    const result = validateExtension({
      name: "plain",
      onShutdown() {
        /* empty */
      },
      onRunStarted() {
        /* empty */
      },
      other: 1,
    });
    expect(result.name).toBe("plain");
    expect(result.bindings.map((b) => b.hook)).toEqual(["runStarted", "shutdown"]);
  });

  it("finds methods on a class's prototype chain and binds them to the instance", () => {
    class Base {
      seen: unknown[] = [];
      onRunStarted(event: RunStartedEvent): void {
        this.seen.push(event);
      }
    }
    class Child extends Base implements Extension {
      readonly name = "child";
      onShutdown(): void {
        /* empty */
      }
    }
    const child = new Child();
    const { bindings } = validateExtension(child);
    expect(bindings.map((b) => b.hook)).toEqual(["runStarted", "shutdown"]);
    bindings[0]!.handler(run);
    expect(child.seen).toEqual([run]);
  });

  it("accepts a name getter and treats an undefined hook as absent", () => {
    const ext = {
      get name() {
        return "getter";
      },
      onRunStarted: undefined,
    };
    expect(validateExtension(ext).bindings).toEqual([]);
  });

  it.each([null, undefined, 42, "ext", () => undefined])("rejects a non-object (%s)", (value) => {
    const error = thrown(() => validateExtension(value));
    expect(error).toBeInstanceOf(InvalidExtensionError);
    expect((error as InvalidExtensionError).code).toBe("CORTEX_INVALID_EXTENSION");
  });

  it.each([{}, { name: "" }, { name: "   " }, { name: 7 }])("rejects a missing or blank name (%j)", (value) => {
    expect(thrown(() => validateExtension(value))).toMatchObject({ code: "CORTEX_INVALID_EXTENSION" });
  });

  it("rejects a name getter that throws, keeping the cause", () => {
    const cause = new Error("boom");
    const error = thrown(() =>
      validateExtension({
        get name(): string {
          throw cause;
        },
      }),
    );
    expect(error).toMatchObject({ code: "CORTEX_INVALID_EXTENSION", cause });
  });

  it("rejects a typo'd hook, naming the extension and suggesting the hook", () => {
    const error = thrown(() =>
      validateExtension({
        name: "audit",
        onRunStart() {
          /* empty */
        },
      }),
    );
    expect(error).toBeInstanceOf(UnknownHookError);
    expect(error).toMatchObject({ code: "CORTEX_UNKNOWN_HOOK", extension: "audit", property: "onRunStart" });
    expect((error as Error).message).toContain('"audit"');
    expect((error as Error).message).toContain('did you mean "onRunStarted"');
  });

  it("rejects an unknown hook-like member inherited from a class, even a non-function", () => {
    class WithTypo {
      readonly name = "typo";
      onToolCall(): void {
        /* empty */
      }
    }
    expect(thrown(() => validateExtension(new WithTypo()))).toMatchObject({
      code: "CORTEX_UNKNOWN_HOOK",
      property: "onToolCall",
    });
    expect(thrown(() => validateExtension({ name: "flag", onBoarded: true }))).toMatchObject({
      code: "CORTEX_UNKNOWN_HOOK",
      property: "onBoarded",
    });
  });

  it("ignores members that do not look like hooks and Object.prototype", () => {
    expect(
      validateExtension({
        name: "ok",
        once: 1,
        on: 2,
        onion: 3,
        online() {
          /* empty */
        },
      }).bindings,
    ).toEqual([]);
    const proto = Object.prototype as Record<string, unknown>;
    proto.onPolluted = () => undefined;
    try {
      expect(validateExtension({ name: "clean" }).bindings).toEqual([]);
    } finally {
      delete proto.onPolluted;
    }
  });

  it.each([null, 1, "onRunStarted", {}])("rejects a known hook that is not a function (%j)", (value) => {
    const error = thrown(() => validateExtension({ name: "bad", onRunStarted: value }));
    expect(error).toBeInstanceOf(InvalidHookHandlerError);
    expect(error).toMatchObject({ code: "CORTEX_INVALID_HOOK_HANDLER", extension: "bad", property: "onRunStarted" });
    expect((error as Error).message).toContain("runStarted");
  });

  it("rejects a hook getter that throws, keeping the cause", () => {
    const cause = new Error("getter");
    const ext = {
      name: "getter-hook",
      get onShutdown(): () => void {
        throw cause;
      },
    };
    expect(thrown(() => validateExtension(ext))).toMatchObject({ code: "CORTEX_INVALID_HOOK_HANDLER", cause });
  });
});
