// Process helpers for the service scripts: free ports, PID checks that
// make sure a recorded PID still belongs to the server we started (PIDs are
// reused), and a bounded wait for a process to exit.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * True while a process with this PID runs (also when it belongs to another
 * user). A zombie has exited: a daemon's parent is init, which may reap late.
 */
export function isAlive(pid) {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (error) {
    if (error.code !== "EPERM") return false;
  }
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return true; // no /proc (not Linux): the signal check decides
  }
}

/** When the process started (clock ticks since boot, from /proc), or undefined; tells a reused PID from the original. */
export function startTimeOf(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
  } catch {
    return undefined;
  }
}

/** True while the process that had `startTime` when recorded still runs (not another one given its PID since). */
export function isStillRunning(pid, startTime) {
  return isAlive(pid) && (startTime === undefined || startTimeOf(pid) === startTime);
}

/** The command line of a process as one string, or "" when it is gone or unreadable. */
export function commandLine(pid) {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ");
  } catch {
    return "";
  }
}

/**
 * True when `pid` is alive and its command line contains `marker` (a path or
 * port only our server has). Without /proc (not Linux) the PID alone decides.
 */
export function isOurs(pid, marker) {
  if (!isAlive(pid)) return false;
  if (!existsSync("/proc/self/cmdline")) return true;
  return commandLine(pid).includes(marker);
}

/** Waits until `pid` has exited; false when it is still alive after `timeoutMs`. */
export async function waitForExit(pid, timeoutMs) {
  const due = Date.now() + timeoutMs;
  while (isAlive(pid)) {
    if (Date.now() > due) return false;
    await sleep(50);
  }
  return true;
}

/**
 * Ends our process `pid` (only when its command line still contains
 * `marker`): `signal` first, SIGKILL if it has not exited after `graceMs`.
 */
export async function stopPid(pid, marker, signal = "SIGTERM", graceMs = 10_000) {
  if (!isOurs(pid, marker)) return;
  try {
    process.kill(pid, signal);
  } catch {
    return;
  }
  if (await waitForExit(pid, graceMs)) return;
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    return;
  }
  await waitForExit(pid, 5_000);
}

/** Runs a command to completion; throws with its output when it fails. */
export function run(command, args, options = {}) {
  const result = spawnSync(command, args, { encoding: "utf8", ...options });
  if (result.error) throw result.error;
  if (result.status !== 0) {
    const output = `${result.stdout ?? ""}${result.stderr ?? ""}`.trim();
    throw new Error(`${command} ${args.join(" ")} exited with ${result.status ?? result.signal}\n${output}`);
  }
  return result.stdout;
}

/** The last `lines` lines of a log file, or "" when it cannot be read. */
export function tail(file, lines = 30) {
  try {
    return readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "";
  }
}

/** An error whose message says which Debian package provides what is missing; the CLI exits with 3 for it. */
export class MissingPackageError extends Error {
  constructor(message, packages) {
    super(message);
    this.packages = packages;
  }
}
