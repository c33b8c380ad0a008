import { readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { writeFileAtomic } from "@cortex/primitives";
import { ENGINE_DEFAULTS } from "../engine/options.js";
import { pageOf, type Page, type PageOptions } from "./pages.js";
import {
  sessionAfterAcquire,
  sessionAfterAppend,
  sessionSummary,
  type SessionAppend,
  type SessionStore,
  type SessionSummary,
  type StoredSession,
} from "./session-store.js";
import {
  checkId,
  isSafeId,
  makeFolder,
  readIfExists,
  storedJson,
  withFileLock,
  type LockTimes,
} from "./store-files.js";

/**
 * Sessions as JSON files, beside `JsonFileRunStore`'s files when given the
 * same folder: `<dir>/sessions/<sessionId>.json`, written atomically and
 * readable by the owner only (files 0600, folders 0700: they hold the whole
 * conversation). Every change reads and rewrites the file while holding
 * `<sessionId>.lock` (created exclusively), so engines in several processes
 * share sessions safely; a lock left by a crashed process is taken over
 * after `ENGINE_DEFAULTS.fileLockStaleMs`.
 */
export class JsonFileSessionStore implements SessionStore {
  readonly #folder: string;
  readonly #times: LockTimes = {
    staleMs: ENGINE_DEFAULTS.fileLockStaleMs,
    waitMs: ENGINE_DEFAULTS.fileLockWaitMs,
  };
  #ready: Promise<void> | undefined;

  constructor(readonly directory: string) {
    this.#folder = join(directory, "sessions");
  }

  #init(): Promise<void> {
    this.#ready ??= makeFolder(this.#folder);
    return this.#ready;
  }

  #file(sessionId: string): string {
    return join(this.#folder, `${checkId(sessionId, "sessionId")}.json`);
  }

  #lock(file: string): string {
    return `${file.slice(0, -".json".length)}.lock`;
  }

  async #read(file: string): Promise<StoredSession | undefined> {
    const text = await readIfExists(file);
    return text === undefined ? undefined : (JSON.parse(text) as StoredSession);
  }

  /** Reads, changes and writes one session while holding its lock; `change` returns what to write, or undefined. */
  async #update<T>(sessionId: string, change: (found: StoredSession | undefined) => T): Promise<T> {
    await this.#init();
    const file = this.#file(sessionId);
    return withFileLock(this.#lock(file), this.#times, async () => {
      const result = change(await this.#read(file));
      const written = (result as { session?: StoredSession }).session;
      if (written !== undefined) await writeFileAtomic(file, storedJson(written, "The session"));
      return result;
    });
  }

  /** The session, or undefined: also for an id that cannot be a file name, since no session has it. */
  async load(sessionId: string): Promise<StoredSession | undefined> {
    if (!isSafeId(sessionId)) return undefined;
    return this.#read(this.#file(sessionId));
  }

  async acquire(sessionId: string, runId: string, leaseUntil?: number): Promise<StoredSession> {
    const { session } = await this.#update(sessionId, (found) => ({
      session: sessionAfterAcquire(sessionId, found, runId, leaseUntil, Date.now()),
    }));
    return session;
  }

  async append(sessionId: string, append: SessionAppend): Promise<number> {
    const { session } = await this.#update(sessionId, (found) => ({
      session: sessionAfterAppend(sessionId, found, append, Date.now()),
    }));
    return session.version;
  }

  async release(sessionId: string, runId: string): Promise<void> {
    if (!isSafeId(sessionId)) return;
    await this.#update(sessionId, (found) => {
      if (found?.lease?.runId !== runId) return {};
      delete found.lease;
      return { session: found };
    });
  }

  async list(options?: PageOptions): Promise<Page<SessionSummary>> {
    await this.#init();
    const names = (await readdir(this.#folder)).filter((name) => name.endsWith(".json") && !name.startsWith("."));
    const summaries: SessionSummary[] = [];
    for (const name of names) {
      const session = await this.#read(join(this.#folder, name));
      if (session !== undefined) summaries.push(sessionSummary(session));
    }
    return pageOf(summaries, options, "listSessions");
  }

  async delete(sessionId: string): Promise<void> {
    if (!isSafeId(sessionId)) return;
    await this.#init();
    const file = this.#file(sessionId);
    await withFileLock(this.#lock(file), this.#times, () => rm(file, { force: true }));
  }
}
