import { spawn } from "node:child_process";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { describe, expect, it } from "vitest";
import { SCHEMA_VERSION } from "../src/index.js";
import { freshSchema, postgresUrl, useStores } from "./support/postgres.js";
import { pausedRun } from "./support/states.js";

const fixture = join(import.meta.dirname, "fixtures", "store-worker.ts");
const stores = useStores();

/**
 * Runs the fixture in `count` processes; once every one is connected and
 * ready, all are told to go at once. Resolves to each one's JSON output.
 */
async function processes<T>(count: number, args: (index: number) => string[]): Promise<{ pid: number; output: T }[]> {
  const children = Array.from({ length: count }, (_, index) => {
    const child = spawn(process.execPath, ["--import", "tsx", fixture, ...args(index)], {
      cwd: import.meta.dirname,
      env: { ...process.env, CORTEX_TEST_POSTGRES_URL: postgresUrl() },
      stdio: ["pipe", "pipe", "inherit"],
    });
    const lines = createInterface({ input: child.stdout });
    let markReady: () => void;
    const ready = new Promise<void>((resolve) => (markReady = resolve));
    const done = new Promise<{ pid: number; output: T }>((resolve, reject) => {
      let last = "";
      lines.on("line", (line) => {
        if (line === "ready") markReady();
        else last = line;
      });
      child.on("error", reject);
      child.on("close", (code) =>
        code === 0
          ? resolve(JSON.parse(last) as { pid: number; output: T })
          : reject(new Error(`fixture exited with ${code}`)),
      );
    });
    return { child, ready, done };
  });
  await Promise.all(children.map((each) => each.ready));
  for (const { child } of children) child.stdin.end("go\n");
  return Promise.all(children.map((each) => each.done));
}

// Each test starts four node processes at once: seconds alone, minutes where every package's tests share two cores.
describe("PostgresRunStore across processes", () => {
  it("gives each checkpoint to exactly one of four processes claiming all of them at once", async () => {
    const store = await stores.migrated();
    const states = Array.from({ length: 40 }, () => pausedRun());
    await Promise.all(states.map((state) => store.save(state)));
    const ids = states.map((state) => state.checkpoint!.id);
    const results = await processes<string[]>(4, () => ["claim", store.schema, ...ids]);
    expect(new Set(results.map((result) => result.pid)).size).toBe(4);
    const won = results.flatMap((result) => result.output);
    expect(won.sort()).toEqual([...ids].sort());
  }, 180_000);

  it("applies each migration once when four processes migrate one schema at once", async () => {
    const schema = freshSchema();
    stores.store({ schema }); // dropped when the file ends
    const results = await processes<{ applied: number[]; version: number }>(4, () => ["migrate", schema]);
    expect(results.flatMap((result) => result.output.applied).sort()).toEqual([1, 2, 3]);
    expect(results.every((result) => result.output.version === SCHEMA_VERSION)).toBe(true);
  }, 180_000);

  it("completes each parallel orchestration once when three processes end its slots at once", async () => {
    const store = await stores.migrated();
    const ids = Array.from({ length: 15 }, (_, i) => `par_${i}`);
    const agents = Array.from({ length: 9 }, (_, slot) => `agent${slot}`);
    await Promise.all(ids.map((id) => store.createParallel(id, agents, 1)));
    const results = await processes<string[]>(3, (index) => [
      "parallel",
      store.schema,
      "9",
      String(index),
      "3",
      ...ids,
    ]);
    const completed = results.flatMap((result) => result.output);
    expect(completed.sort()).toEqual([...ids].sort());
  }, 180_000);
});
