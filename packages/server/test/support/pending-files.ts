import { JsonFileRunStore } from "@cortex/core";
import type { PendingSource } from "../../src/index.js";

/** Core's JSON-file store, which lists its paused checkpoints: the inbox reads it as is. */
export function pendingFileStore(dir: string): JsonFileRunStore & PendingSource {
  return new JsonFileRunStore(dir);
}
