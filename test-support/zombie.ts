import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { setTimeout as delay } from "node:timers/promises";

/**
 * Calls `use` with the PID of a zombie: a process that has ended but was
 * never reaped, which is what a killed process looks like in a container
 * whose first process does not reap orphans. A signal check alone calls it
 * alive. Linux only: it reads `/proc`.
 */
export async function withZombie(use: (pid: number) => Promise<void> | void): Promise<void> {
  // The shell starts `sleep 0`, prints its pid, then becomes `sleep 30`, which never reaps it.
  const parent = spawn("/bin/sh", ["-c", "sleep 0 & echo $!; exec sleep 30"], { stdio: ["ignore", "pipe", "ignore"] });
  try {
    const pid = Number(
      await new Promise<string>((resolve) => parent.stdout.once("data", (data: Buffer) => resolve(String(data)))),
    );
    const state = () => readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.charAt(0);
    for (let i = 0; i < 400 && state() !== "Z"; i++) await delay(25);
    if (state() !== "Z") throw new Error(`process ${pid} did not become a zombie (state ${state()})`);
    await use(pid);
  } finally {
    parent.kill("SIGKILL");
  }
}
