import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);
const script = fileURLToPath(new URL("../../../scripts/services/services.mjs", import.meta.url));

/**
 * A PostgreSQL URL for the benchmark: `CORTEX_TEST_POSTGRES_URL` when set,
 * otherwise a throwaway durable server (fsync on, like production) started
 * by the project's service script; `stop` stops what was started.
 */
export async function postgresForBench(): Promise<{ url: string; stop: () => Promise<void> }> {
  const given = process.env.CORTEX_TEST_POSTGRES_URL;
  if (given) return { url: given, stop: () => Promise.resolve() };
  const args = ["start", "--only", "postgres", "--durable", "--json", "--owner", String(process.pid)];
  const { stdout } = await run(process.execPath, [script, ...args]).catch((error: unknown) => {
    const { stderr } = error as { stderr?: string };
    throw new Error(`the benchmark needs PostgreSQL: ${stderr?.trim() ?? String(error)}`, { cause: error });
  });
  const { dir, env } = JSON.parse(stdout) as { dir: string; env: { CORTEX_TEST_POSTGRES_URL: string } };
  return {
    url: env.CORTEX_TEST_POSTGRES_URL,
    stop: async () => {
      await run(process.execPath, [script, "stop", "--dir", dir]);
    },
  };
}
