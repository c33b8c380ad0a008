import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { JsonFileRunStore, type RunState } from "@cortex/core";
import type { PendingCheckpoint, PendingFilter, PendingPage, PendingSource } from "../../src/index.js";

interface Lister {
  listPending?: (filter?: PendingFilter) => Promise<PendingPage>;
}

/**
 * A JsonFileRunStore that lists its paused checkpoints. Once core's own
 * JsonFileRunStore has listPending, that one is used as is; until then,
 * this test-only adapter lists `<dir>/checkpoints/*` (the store's own
 * layout), oldest first, with the same cursor contract.
 */
export function pendingFileStore(dir: string): JsonFileRunStore & PendingSource {
  const store = new JsonFileRunStore(dir) as JsonFileRunStore & Lister;
  if (typeof store.listPending === "function") return store as JsonFileRunStore & PendingSource;
  store.listPending = async (filter: PendingFilter = {}): Promise<PendingPage> => {
    let names: string[];
    try {
      names = await readdir(join(dir, "checkpoints"));
    } catch {
      return { items: [] };
    }
    const items: PendingCheckpoint[] = [];
    for (const name of names) {
      if (name.includes(".")) continue; // temp files and claims
      const runId = await readFile(join(dir, "checkpoints", name), "utf8").catch(() => undefined);
      if (runId === undefined) continue;
      const state: RunState | undefined = await store.load(runId.trim());
      const checkpoint = state?.checkpoint;
      if (state?.status !== "awaiting_approval" || checkpoint?.id !== name) continue;
      if (filter.agentId !== undefined && state.agentId !== filter.agentId) continue;
      if (filter.plugin !== undefined && checkpoint.plugin !== filter.plugin) continue;
      if (filter.tier !== undefined && checkpoint.tier !== filter.tier) continue;
      items.push({
        checkpointId: checkpoint.id,
        runId: state.runId,
        agentId: state.agentId,
        plugin: checkpoint.plugin,
        action: checkpoint.action,
        tier: checkpoint.tier,
        params: checkpoint.args,
        approvalId: checkpoint.approvalId,
        createdAt: checkpoint.createdAt,
      });
    }
    const key = (item: PendingCheckpoint) => `${item.createdAt}\u0000${item.checkpointId}`;
    items.sort((a, b) => (key(a) < key(b) ? -1 : 1));
    const after = filter.after === undefined ? undefined : Buffer.from(filter.after, "base64url").toString("utf8");
    const rest = after === undefined ? items : items.filter((item) => key(item) > after);
    const limit = filter.limit ?? 50;
    const page = rest.slice(0, limit);
    return rest.length > limit
      ? { items: page, nextCursor: Buffer.from(key(page.at(-1)!)).toString("base64url") }
      : { items: page };
  };
  return store as JsonFileRunStore & PendingSource;
}
