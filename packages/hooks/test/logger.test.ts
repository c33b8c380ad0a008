import { afterEach, describe, expect, it, vi } from "vitest";
import { consoleLogger, silentLogger } from "../src/index.js";

afterEach(() => {
  vi.restoreAllMocks();
});

describe("consoleLogger", () => {
  it("sends warn and error to the console with their fields", () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => undefined);
    const error = vi.spyOn(console, "error").mockImplementation(() => undefined);
    consoleLogger.warn("w", { hook: "runStarted" });
    consoleLogger.error("e");
    expect(warn).toHaveBeenCalledWith("w", { hook: "runStarted" });
    expect(error).toHaveBeenCalledWith("e");
  });

  it("drops debug and info", () => {
    const spies = (["log", "debug", "info", "warn", "error"] as const).map((level) =>
      vi.spyOn(console, level).mockImplementation(() => undefined),
    );
    consoleLogger.debug("d", { a: 1 });
    consoleLogger.info("i");
    for (const spy of spies) expect(spy).not.toHaveBeenCalled();
  });
});

describe("silentLogger", () => {
  it("writes nothing at any level", () => {
    const spies = (["log", "debug", "info", "warn", "error"] as const).map((level) =>
      vi.spyOn(console, level).mockImplementation(() => undefined),
    );
    silentLogger.debug("d");
    silentLogger.info("i");
    silentLogger.warn("w");
    silentLogger.error("e", { error: new Error("x") });
    for (const spy of spies) expect(spy).not.toHaveBeenCalled();
  });
});
