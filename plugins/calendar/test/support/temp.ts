import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach } from "vitest";

const dirs: string[] = [];

afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

/** A fresh temporary folder, removed after the current test. */
export async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "cortex-calendar-"));
  dirs.push(dir);
  return dir;
}

/** A path for an .ics file that does not exist yet, in a fresh folder. */
export async function tempIcsPath(): Promise<string> {
  return join(await tempDir(), "calendar.ics");
}
