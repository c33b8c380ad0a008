import { afterEach, describe, expect, it, vi } from "vitest";
import { consoleLogger, silentLogger } from "../src/index.js";

describe("loggers", () => {
  afterEach(() => vi.restoreAllMocks());

  it("consoleLogger writes each level to the console with a prefix and fields", () => {
    const spies = {
      debug: vi.spyOn(console, "debug").mockImplementation(() => undefined),
      info: vi.spyOn(console, "info").mockImplementation(() => undefined),
      warn: vi.spyOn(console, "warn").mockImplementation(() => undefined),
      error: vi.spyOn(console, "error").mockImplementation(() => undefined),
    };
    consoleLogger.debug("hidden");
    expect(spies.debug).not.toHaveBeenCalled();
    process.env.CORTEX_DEBUG = "1";
    for (const level of ["debug", "info", "warn", "error"] as const) {
      consoleLogger[level](`a ${level}`, { plugin: "x" });
      expect(spies[level]).toHaveBeenCalledWith(`[cortex:plugins] a ${level}`, { plugin: "x" });
    }
    delete process.env.CORTEX_DEBUG;
    consoleLogger.info("no fields");
    expect(spies.info).toHaveBeenLastCalledWith("[cortex:plugins] no fields");
  });

  it("silentLogger drops everything", () => {
    const spy = vi.spyOn(console, "error");
    silentLogger.error("x", { a: 1 });
    silentLogger.debug("x");
    expect(spy).not.toHaveBeenCalled();
  });
});
