import { afterEach, describe, expect, it, vi } from "vitest";
import { InvalidOptionsError, createConsoleLogger, guardedLogger, isLogger, silentLogger } from "../src/index.js";

afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
});

describe("createConsoleLogger", () => {
  it("writes every level to standard error, never to standard output", () => {
    const stderr = vi.spyOn(console, "error").mockImplementation(() => undefined);
    const stdout = [
      vi.spyOn(console, "log").mockImplementation(() => undefined),
      vi.spyOn(console, "info").mockImplementation(() => undefined),
      vi.spyOn(console, "debug").mockImplementation(() => undefined),
      vi.spyOn(console, "warn").mockImplementation(() => undefined),
    ];
    const logger = createConsoleLogger({ level: "debug", prefix: "[cortex:test]" });
    logger.debug("d");
    logger.info("i", { plugin: "files" });
    logger.warn("w");
    logger.error("e");
    expect(stderr.mock.calls).toEqual([
      ["[cortex:test] debug: d"],
      ["[cortex:test] info: i", { plugin: "files" }],
      ["[cortex:test] warn: w"],
      ["[cortex:test] error: e"],
    ]);
    for (const spy of stdout) expect(spy).not.toHaveBeenCalled();
  });

  it("drops the levels below its own; warn by default", () => {
    const stderr = vi.spyOn(console, "error").mockImplementation(() => undefined);
    vi.stubEnv("CORTEX_LOG_LEVEL", "");
    vi.stubEnv("CORTEX_DEBUG", "");
    const logger = createConsoleLogger();
    logger.debug("d");
    logger.info("i");
    logger.warn("w");
    expect(stderr.mock.calls).toEqual([["[cortex] warn: w"]]);
    createConsoleLogger({ level: "silent" }).error("never");
    expect(stderr).toHaveBeenCalledTimes(1);
  });

  it("reads its level from CORTEX_LOG_LEVEL, or debug from CORTEX_DEBUG", () => {
    const stderr = vi.spyOn(console, "error").mockImplementation(() => undefined);
    vi.stubEnv("CORTEX_LOG_LEVEL", "INFO");
    createConsoleLogger().info("shown");
    createConsoleLogger().debug("hidden");
    vi.stubEnv("CORTEX_LOG_LEVEL", "");
    vi.stubEnv("CORTEX_DEBUG", "1");
    createConsoleLogger().debug("shown too");
    expect(stderr.mock.calls).toEqual([["[cortex] info: shown"], ["[cortex] debug: shown too"]]);
  });

  it("refuses an unknown level with CORTEX_INVALID_OPTIONS", () => {
    expect(() => createConsoleLogger({ level: "loud" as never })).toThrow(InvalidOptionsError);
  });
});

describe("guardedLogger", () => {
  it("swallows what a throwing logger throws, and passes lines through otherwise", () => {
    const seen: string[] = [];
    const broken = {
      debug: (m: string) => seen.push(m),
      info: () => {
        throw new Error("disk full");
      },
      warn: () => {
        throw new Error("disk full");
      },
      error: () => {
        throw new Error("disk full");
      },
    };
    const logger = guardedLogger(broken);
    expect(() => logger.info("x")).not.toThrow();
    expect(() => logger.error("x", { a: 1 })).not.toThrow();
    logger.debug("kept");
    expect(seen).toEqual(["kept"]);
  });
});

describe("isLogger", () => {
  it("wants the four methods", () => {
    expect(isLogger(silentLogger)).toBe(true);
    expect(isLogger(console)).toBe(true);
    const noop = () => undefined;
    expect(isLogger({ debug: noop, info: noop, warn: noop })).toBe(false);
    expect(isLogger(null)).toBe(false);
  });
});
