import { open, readFile, rm } from "node:fs/promises";
import { hostname } from "node:os";
import { delay, isProcessRunning } from "@cortex/primitives";
import { LedgerLockedError } from "../errors.js";

/** Options of {@link withFileLock}. */
export interface FileLockOptions {
  /** How long to wait for another holder before giving up with `CORTEX_LEDGER_LOCKED`. */
  timeoutMs: number;
}

const HOST = hostname();

/** The lock's content when it was left by a process of this host that no longer runs; undefined otherwise. */
async function abandoned(path: string): Promise<string | undefined> {
  const text = await readFile(path, "utf8").catch(() => undefined);
  if (text === undefined) return undefined;
  const [pid, host] = text.split("\n");
  const number = Number(pid);
  const dead = Number.isSafeInteger(number) && number > 0 && host === HOST && !isProcessRunning(number);
  return dead ? text : undefined;
}

/** Creates the lock file; false when it exists. */
async function create(path: string): Promise<boolean> {
  let handle;
  try {
    handle = await open(path, "wx", 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw error;
  }
  try {
    await handle.writeFile(`${process.pid}\n${HOST}\n${Date.now()}\n`);
  } finally {
    await handle.close();
  }
  return true;
}

/**
 * Removes a lock whose holder died, under a second lock, so two processes
 * taking over the same dead lock cannot remove the live lock one of them
 * made meanwhile: each checks again, while alone, that the lock is still
 * the dead one.
 */
async function takeOver(path: string, dead: string): Promise<void> {
  const guard = `${path}.takeover`;
  if (!(await create(guard))) {
    if ((await abandoned(guard)) !== undefined) await rm(guard, { force: true });
    return;
  }
  try {
    if ((await readFile(path, "utf8").catch(() => undefined)) === dead) await rm(path, { force: true });
  } finally {
    await rm(guard, { force: true });
  }
}

/**
 * Runs `work` while holding the lock file at `path`, which exists only while
 * some process holds it (created with O_EXCL, holding that process's PID and
 * host). A lock left by a process of this host that died is taken over; a
 * live holder is waited for, up to `timeoutMs`. The ledger's file must be
 * on a local disk: a holder on another host is never presumed dead.
 */
export async function withFileLock<T>(path: string, work: () => Promise<T>, options: FileLockOptions): Promise<T> {
  const due = Date.now() + options.timeoutMs;
  for (let wait = 2; !(await create(path)); wait = Math.min(wait * 2, 20)) {
    const dead = await abandoned(path);
    if (dead !== undefined) {
      await takeOver(path, dead);
      continue;
    }
    if (Date.now() >= due) {
      const [pid, host] = ((await readFile(path, "utf8").catch(() => "")) ?? "").split("\n");
      const who = pid && host ? ` by process ${pid} on ${host}` : "";
      throw new LedgerLockedError(
        path,
        `The ledger lock ${path} has been held${who} for more than ${options.timeoutMs} ms`,
      );
    }
    await delay(wait * (0.5 + Math.random()));
  }
  try {
    return await work();
  } finally {
    await rm(path, { force: true });
  }
}
