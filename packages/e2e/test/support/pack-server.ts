import { existsSync } from "node:fs";
import { mkdir, readdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { mustRun, WORKSPACE } from "./pack.js";

/**
 * Packs @cortex/server with `pnpm pack` (building it first when its dist is
 * missing), into a folder of its own; resolves to the tarball's path.
 */
export async function packedServer(): Promise<string> {
  const folder = join(WORKSPACE, "packages/server");
  if (!existsSync(join(folder, "dist/index.js")))
    await mustRun("pnpm", ["run", "build"], { cwd: folder, timeoutMs: 300_000 });
  const dir = join(tmpdir(), `cortex-e2e-server-${process.pid}-${Date.now()}`);
  await mkdir(dir, { recursive: true });
  await mustRun("pnpm", ["pack", "--pack-destination", dir], { cwd: folder });
  const [tarball] = (await readdir(dir)).filter((name) => name.endsWith(".tgz"));
  if (tarball === undefined) throw new Error(`pnpm pack wrote no tarball into ${dir}`);
  return join(dir, tarball);
}
