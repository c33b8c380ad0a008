import { describe, expect, it } from "vitest";
import { CredentialMissingError, EnvBroker, MemoryBroker } from "../src/index.js";

describe("EnvBroker", () => {
  it("maps calendar_api_key to CORTEX_CALENDAR_API_KEY", async () => {
    const broker = new EnvBroker({ env: { CORTEX_CALENDAR_API_KEY: "k-1" } });
    expect(broker.variableName("calendar_api_key")).toBe("CORTEX_CALENDAR_API_KEY");
    expect(broker.variableName("github.token")).toBe("CORTEX_GITHUB_TOKEN");
    await expect(broker.get("calendar_api_key")).resolves.toBe("k-1");
  });

  it("honours a custom or empty prefix", async () => {
    await expect(new EnvBroker({ prefix: "", env: { CALENDAR_API_KEY: "a" } }).get("calendar_api_key")).resolves.toBe(
      "a",
    );
    await expect(new EnvBroker({ prefix: "APP_", env: { APP_X: "b" } }).get("x")).resolves.toBe("b");
  });

  it("reads process.env by default, at call time", async () => {
    const broker = new EnvBroker();
    process.env.CORTEX_BROKER_TEST_KEY = "late";
    try {
      await expect(broker.get("broker_test_key")).resolves.toBe("late");
    } finally {
      delete process.env.CORTEX_BROKER_TEST_KEY;
    }
  });

  it("a missing or empty variable is CORTEX_CREDENTIAL_MISSING naming the variable", async () => {
    const broker = new EnvBroker({ env: { CORTEX_EMPTY: "" } });
    for (const key of ["nope", "empty"]) {
      const error = await broker.get(key).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(CredentialMissingError);
      expect((error as CredentialMissingError).code).toBe("CORTEX_CREDENTIAL_MISSING");
      expect((error as CredentialMissingError).key).toBe(key);
      expect((error as Error).message).toContain(`CORTEX_${key.toUpperCase()}`);
    }
  });
});

describe("MemoryBroker", () => {
  it("returns values from an object or a map and accepts set()", async () => {
    const broker = new MemoryBroker({ a: "1" });
    await expect(broker.get("a")).resolves.toBe("1");
    broker.set("b", "2");
    await expect(broker.get("b")).resolves.toBe("2");
    await expect(new MemoryBroker(new Map([["c", "3"]])).get("c")).resolves.toBe("3");
  });

  it("a missing key is a coded error, never undefined", async () => {
    await expect(new MemoryBroker().get("x")).rejects.toMatchObject({ code: "CORTEX_CREDENTIAL_MISSING", key: "x" });
    await expect(new MemoryBroker({ e: "" }).get("e")).rejects.toBeInstanceOf(CredentialMissingError);
  });
});
