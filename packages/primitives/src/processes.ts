import { readFileSync } from "node:fs";
import process from "node:process";

/**
 * True while a process with this pid runs on this machine, whoever owns it.
 *
 * A zombie does not count. A process killed after its parent died is handed
 * to the machine's init, and where init does not reap (a container whose
 * first process is node or a shell), its pid stays taken long after it ended:
 * `process.kill(pid, 0)` alone would call it alive forever.
 */
export function isProcessRunning(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    if ((error as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  return !isZombie(pid);
}

function isZombie(pid: number): boolean {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    // No /proc (macOS, Windows) or the process ended in between: the signal check stands.
    return false;
  }
  // "pid (comm) STATE …"; comm may hold spaces and parentheses, so read after the last ")".
  const state = stat.charAt(stat.lastIndexOf(")") + 2);
  return state === "Z" || state === "X";
}
