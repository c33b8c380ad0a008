import pg from "pg";
import { describe, expect, it } from "vitest";
import { PostgresRunStore, STORE_POSTGRES_DEFAULTS, type PostgresRunStoreOptions } from "../src/index.js";

const URL = "postgres://user:secret@127.0.0.1:1/db";

describe("new PostgresRunStore(options)", () => {
  it.each<[string, PostgresRunStoreOptions]>([
    ["connectionString", {}],
    ["connectionString", { connectionString: URL, pool: new pg.Pool() }],
    ["connectionString", { connectionString: 42 as never }],
    ["schema", { connectionString: URL, schema: "Cortex" }],
    ["schema", { connectionString: URL, schema: 'x"; DROP TABLE runs; --' }],
    ["schema", { connectionString: URL, schema: "1abc" }],
    ["schema", { connectionString: URL, schema: "a".repeat(64) }],
    ["poolSize", { connectionString: URL, poolSize: 0 }],
    ["pausedTtlMs", { connectionString: URL, pausedTtlMs: Number.NaN }],
    ["retry.attempts", { connectionString: URL, retry: { attempts: 1.5 } }],
    ["retry.baseDelayMs", { connectionString: URL, retry: { baseDelayMs: -1 } }],
    ["logger", { connectionString: URL, logger: { warn: () => undefined } as never }],
  ])("refuses a bad %s with CORTEX_INVALID_OPTIONS", (option, options) => {
    expect(() => new PostgresRunStore(options)).toThrow(
      expect.objectContaining({ code: "CORTEX_INVALID_OPTIONS", option }),
    );
  });

  it("takes a URL alone, connects lazily, and uses the defaults", async () => {
    const store = new PostgresRunStore(URL);
    expect(store.schema).toBe(STORE_POSTGRES_DEFAULTS.schema);
    await store.close();
  });

  it("never shows the connection string when inspected", async () => {
    const store = new PostgresRunStore({ connectionString: URL, schema: "s1" });
    expect(JSON.stringify(store)).not.toContain("secret");
    const { inspect } = await import("node:util");
    expect(inspect(store, { depth: 5 })).not.toContain("secret");
    await store.close();
  });
});
