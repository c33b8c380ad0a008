import { describe, expect, it } from "vitest";
import { importOptional } from "../src/optional.js";
import { cortex, makeHost } from "./helpers.js";

describe("cortex worker and cortex db", () => {
  it("needs Redis and PostgreSQL: without a flag or variable it exits 1 naming both", async () => {
    const host = await makeHost();
    // The helper runs the CLI without the CORTEX_ variables of this process.
    const env = host.env;
    const worker = await cortex(["worker"], { cwd: host.dir, env });
    expect(worker.code).toBe(1);
    expect(worker.stderr).toContain("CORTEX_CLI_NOT_CONFIGURED");
    expect(worker.stderr).toContain("CORTEX_REDIS_URL");
    const noDatabase = await cortex(["worker", "--redis", "redis://127.0.0.1:1"], { cwd: host.dir, env });
    expect(noDatabase.stderr).toContain("CORTEX_DATABASE_URL");
    const db = await cortex(["db", "migrate"], { cwd: host.dir, env });
    expect(db.code).toBe(1);
    expect(db.stderr).toContain("CORTEX_DATABASE_URL");
  });

  it("refuses an unknown db command and a concurrency that is not a count (exit 2)", async () => {
    const host = await makeHost();
    expect((await cortex(["db", "drop"], { cwd: host.dir, env: host.env })).code).toBe(2);
    const bad = await cortex(["worker", "--redis", "redis://x", "--database", "postgres://x", "--concurrency", "0"], {
      cwd: host.dir,
      env: host.env,
    });
    expect(bad.code).toBe(2);
  });

  it("names a missing optional package and how to install it", async () => {
    const absent = "@cortex/no-such-package";
    const missing = importOptional(absent, "worker", () => import(absent));
    await expect(missing).rejects.toMatchObject({ code: "CORTEX_CLI_MISSING_PACKAGE" });
    await expect(missing).rejects.toThrow(/needs @cortex\/no-such-package.*npm install @cortex\/no-such-package/);
  });
});
