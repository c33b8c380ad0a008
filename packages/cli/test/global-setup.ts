import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import type { TestProject } from "vitest/node";

declare module "vitest" {
  export interface ProvidedContext {
    postgresUrl: string;
    redisUrl: string;
  }
}

const run = promisify(execFile);
const services = fileURLToPath(new URL("../../../scripts/services/services.mjs", import.meta.url));

/**
 * Provides `postgresUrl` and `redisUrl` to the tests: `CORTEX_TEST_POSTGRES_URL`
 * and `CORTEX_TEST_REDIS_URL` when both are set, otherwise throwaway servers
 * started here (owned by this process, so its watchdog stops them even if
 * vitest is killed) and stopped at the end. A missing server package fails
 * the run, naming the package.
 */
export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  const postgres = process.env.CORTEX_TEST_POSTGRES_URL;
  const redis = process.env.CORTEX_TEST_REDIS_URL;
  if (postgres && redis) {
    project.provide("postgresUrl", postgres);
    project.provide("redisUrl", redis);
    return undefined;
  }
  let started: { dir: string; env: { CORTEX_TEST_POSTGRES_URL: string; CORTEX_TEST_REDIS_URL: string } };
  try {
    const { stdout } = await run(process.execPath, [services, "start", "--json", "--owner", String(process.pid)]);
    started = JSON.parse(stdout) as typeof started;
  } catch (error) {
    const { stderr, code } = error as { stderr?: string; code?: number };
    const why = stderr?.trim() ? stderr.trim() : String(error);
    throw new Error(
      code === 3
        ? `@cortex/cli tests (cortex worker) need PostgreSQL and Redis servers: ${why}\n(CI installs them with: bash scripts/ci-system-deps.sh postgresql redis-server)`
        : `could not start PostgreSQL and Redis for the tests: ${why}`,
      { cause: error },
    );
  }
  project.provide("postgresUrl", started.env.CORTEX_TEST_POSTGRES_URL);
  project.provide("redisUrl", started.env.CORTEX_TEST_REDIS_URL);
  return async () => {
    await run(process.execPath, [services, "stop", "--dir", started.dir]);
  };
}
