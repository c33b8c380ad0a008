import { spawn } from "node:child_process";
import { join } from "node:path";
import { createInterface } from "node:readline";

/**
 * Runs a fixture in several processes; once every one says "ready", all
 * are told to go at once. Resolves to each one's last line, parsed as JSON.
 */
export async function raceProcesses<T>(
  fixture: string,
  argsOf: (index: number) => string[],
  count: number,
): Promise<T[]> {
  const path = join(import.meta.dirname, "..", "fixtures", fixture);
  const children = Array.from({ length: count }, (_, index) => {
    const child = spawn(process.execPath, ["--import", "tsx", path, ...argsOf(index)], {
      cwd: join(import.meta.dirname, ".."),
      stdio: ["pipe", "pipe", "inherit"],
    });
    const lines = createInterface({ input: child.stdout });
    let markReady: () => void = () => undefined;
    const ready = new Promise<void>((resolve) => (markReady = resolve));
    const done = new Promise<T>((resolve, reject) => {
      let last = "";
      lines.on("line", (line) => {
        if (line === "ready") markReady();
        else last = line;
      });
      child.on("error", reject);
      child.on("close", (code) =>
        code === 0 ? resolve(JSON.parse(last) as T) : reject(new Error(`${fixture} exited with ${code}`)),
      );
    });
    return { child, ready, done };
  });
  await Promise.all(children.map((each) => each.ready));
  for (const { child } of children) child.stdin.end("go\n");
  return Promise.all(children.map((each) => each.done));
}
