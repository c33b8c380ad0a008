import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);
const script = fileURLToPath(new URL("../../../scripts/services/services.mjs", import.meta.url));

/**
 * PostgreSQL and Redis for the benchmark: `CORTEX_TEST_POSTGRES_URL` and
 * `CORTEX_TEST_REDIS_URL` when both are set, otherwise throwaway servers
 * (PostgreSQL durable, fsync on, like production) started by the project's
 * service script; `stop` stops what was started.
 */
export async function servicesForBench(): Promise<{ postgres: string; redis: string; stop: () => Promise<void> }> {
  const postgres = process.env.CORTEX_TEST_POSTGRES_URL;
  const redis = process.env.CORTEX_TEST_REDIS_URL;
  if (postgres && redis) return { postgres, redis, stop: () => Promise.resolve() };
  const args = ["start", "--durable", "--json", "--owner", String(process.pid)];
  const { stdout } = await run(process.execPath, [script, ...args]).catch((error: unknown) => {
    const { stderr } = error as { stderr?: string };
    throw new Error(`the benchmark needs PostgreSQL and Redis: ${stderr?.trim() ?? String(error)}`, { cause: error });
  });
  const { dir, env } = JSON.parse(stdout) as {
    dir: string;
    env: { CORTEX_TEST_POSTGRES_URL: string; CORTEX_TEST_REDIS_URL: string };
  };
  return {
    postgres: env.CORTEX_TEST_POSTGRES_URL,
    redis: env.CORTEX_TEST_REDIS_URL,
    stop: async () => {
      await run(process.execPath, [script, "stop", "--dir", dir]);
    },
  };
}
