import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  createEngine,
  JsonFileSessionStore,
  MemorySessionStore,
  SessionBusyError,
  SessionConflictError,
  type ModelMessage,
} from "@cortex/core";
import { FakeBroker, ScriptedModel } from "@cortex/testing";
import { PluginRegistry, silentLogger } from "@cortex/plugins";
import { afterAll, describe, expect, it } from "vitest";
import { PostgresSessionStore, type PostgresRunStoreOptions } from "../src/index.js";
import { freshSchema, postgresUrl, useStores } from "./support/postgres.js";
import { sessionStoreContract } from "./support/session-store-contract.js";

const stores = useStores();
const sessionStores: PostgresSessionStore[] = [];
afterAll(async () => {
  await Promise.all(sessionStores.map((store) => store.close()));
});

/** A session store on the test server, in `schema` (migrated) or a fresh one; closed when the file ends. */
async function sessionStore(options: Partial<PostgresRunStoreOptions> = {}): Promise<PostgresSessionStore> {
  const schema = options.schema ?? freshSchema("s");
  // Dropped with the run stores' schemas at the end of the file.
  stores.store({ schema });
  const store = new PostgresSessionStore({ connectionString: postgresUrl(), logger: silentLogger, ...options, schema });
  sessionStores.push(store);
  await store.migrate();
  return store;
}

const folders: string[] = [];
afterAll(async () => {
  await Promise.all(folders.map((dir) => rm(dir, { recursive: true, force: true })));
});

sessionStoreContract("MemorySessionStore", () => Promise.resolve(new MemorySessionStore()));
sessionStoreContract("JsonFileSessionStore", async () => {
  const dir = await mkdtemp(join(tmpdir(), "cortex-session-contract-"));
  folders.push(dir);
  return new JsonFileSessionStore(dir);
});
sessionStoreContract("PostgresSessionStore", () => sessionStore());

const user = (content: string): ModelMessage => ({ role: "user", content });
const assistant = (content: string): ModelMessage => ({ role: "assistant", content });

describe("PostgresSessionStore", () => {
  it("gives a session to exactly one of many racing acquirers, across stores with their own pools", async () => {
    const first = await sessionStore();
    const others = await Promise.all([1, 2, 3].map(() => sessionStore({ schema: first.schema })));
    const all = [first, ...others];
    const results = await Promise.allSettled(
      Array.from({ length: 16 }, (_, i) => all[i % all.length]!.acquire("shared", `run_${i}`, Date.now() + 60_000)),
    );
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    for (const r of results.filter((r) => r.status === "rejected")) expect(r.reason).toBeInstanceOf(SessionBusyError);
  });

  it("lets exactly one of concurrent appends at one version through", async () => {
    const store = await sessionStore();
    await store.acquire("s", "r", Date.now() + 60_000);
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, (_, i) =>
        store.append("s", { runId: "r", expectedVersion: 0, messages: [user(`m${i}`)] }),
      ),
    );
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    for (const r of results.filter((r) => r.status === "rejected"))
      expect(r.reason).toBeInstanceOf(SessionConflictError);
    expect((await store.load("s"))!.messages).toHaveLength(1);
  });

  it("keeps the conversation as JSONB in the sessions table, with its version in a column", async () => {
    const store = await sessionStore();
    await store.acquire("chat", "r");
    await store.append("chat", { runId: "r", expectedVersion: 0, messages: [user("ünïcødé ✓")], leaseUntil: null });
    const { rows } = await stores
      .admin()
      .query(`SELECT version, state, pg_typeof(state)::text AS type FROM "${store.schema}".sessions`);
    expect(rows).toEqual([{ version: "1", state: { messages: [user("ünïcødé ✓")] }, type: "jsonb" }]);
  });

  it("carries a conversation from one engine to another on the same database, and keeps a held one to its run", async () => {
    const schema = freshSchema("s");
    const engineWith = async (answers: string[]) => {
      const model = new ScriptedModel(answers.map((content) => ({ content })));
      const plugins = new PluginRegistry({ broker: new FakeBroker(), logger: silentLogger });
      const engine = createEngine({
        model,
        plugins,
        agents: [{ id: "assistant", instructions: "Be brief.", tools: [] }],
        sessionStore: await sessionStore({ schema }),
        logger: silentLogger,
      });
      return { engine, model };
    };
    const a = await engineWith(["Hello Ana."]);
    const b = await engineWith(["You are Ana."]);
    expect(await a.engine.run("assistant", "I am Ana", { sessionId: "chat-1" })).toMatchObject({
      status: "completed",
      sessionId: "chat-1",
    });
    const second = await b.engine.run("assistant", "Who am I?", { sessionId: "chat-1" });
    expect(second.output).toBe("You are Ana.");
    expect(b.model.requests[0]!.messages).toEqual([
      { role: "system", content: "Be brief." },
      user("I am Ana"),
      assistant("Hello Ana."),
      user("Who am I?"),
    ]);
    // A run elsewhere holds the session: this engine's run is refused before it starts.
    const holder = await sessionStore({ schema });
    await holder.acquire("chat-1", "run_elsewhere", Date.now() + 60_000);
    await expect(b.engine.run("assistant", "again", { sessionId: "chat-1" })).rejects.toMatchObject({
      code: "CORTEX_SESSION_BUSY",
      heldBy: "run_elsewhere",
    });
    await Promise.all([a.engine.shutdown(), b.engine.shutdown()]);
  });
});
