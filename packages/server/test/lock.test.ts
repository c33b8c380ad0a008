import { spawnSync } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { withFileLock } from "../src/ledger/lock.js";
import { LedgerLockedError } from "../src/index.js";
import { withZombie } from "../../../test-support/zombie.js";
import { useTempDirs } from "./support/ledger.js";

const tempDir = useTempDirs();

/** The PID of a process that has ended. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ["-e", "console.log(process.pid)"], { encoding: "utf8" });
  return Number(child.stdout.trim());
}

describe("withFileLock", () => {
  it("lets one holder in at a time and removes the lock after", async () => {
    const lock = join(await tempDir(), "x.lock");
    const order: string[] = [];
    await Promise.all(
      ["a", "b", "c"].map((name) =>
        withFileLock(
          lock,
          async () => {
            order.push(`${name}+`);
            await new Promise((resolve) => setTimeout(resolve, 20));
            order.push(`${name}-`);
          },
          // Far above the three 20 ms holds and the lock file's I/O on a loaded machine.
          { timeoutMs: 30_000 },
        ),
      ),
    );
    for (let i = 0; i < order.length; i += 2) expect(order[i]!.slice(0, 1)).toBe(order[i + 1]!.slice(0, 1));
    await expect(readFile(lock)).rejects.toMatchObject({ code: "ENOENT" });
  });

  it("takes over a lock left by a process of this host that died", async () => {
    const lock = join(await tempDir(), "x.lock");
    await writeFile(lock, `${deadPid()}\n${hostname()}\n0\n`);
    // A lock it could not take over would never be free: any limit far above a loaded machine's takeover does.
    expect(await withFileLock(lock, () => Promise.resolve("ran"), { timeoutMs: 20_000 })).toBe("ran");
  });

  it.runIf(process.platform === "linux")(
    "takes over a lock whose holder died but was never reaped (a zombie)",
    async () => {
      await withZombie(async (pid) => {
        const lock = join(await tempDir(), "x.lock");
        await writeFile(lock, `${pid}\n${hostname()}\n0\n`);
        expect(await withFileLock(lock, () => Promise.resolve("ran"), { timeoutMs: 20_000 })).toBe("ran");
      });
    },
  );

  it("waits for a live holder, and for one on another host, then gives up with a coded error", async () => {
    const lock = join(await tempDir(), "x.lock");
    await writeFile(lock, `${process.pid}\n${hostname()}\n0\n`);
    const error = await withFileLock(lock, () => Promise.resolve(), { timeoutMs: 200 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LedgerLockedError);
    expect(error).toMatchObject({
      code: "CORTEX_LEDGER_LOCKED",
      lockPath: lock,
      message: expect.stringContaining(`by process ${process.pid}`) as string,
    });
    await writeFile(lock, `${deadPid()}\nanother-host\n0\n`);
    await expect(withFileLock(lock, () => Promise.resolve(), { timeoutMs: 200 })).rejects.toMatchObject({
      code: "CORTEX_LEDGER_LOCKED",
    });
  });
});
