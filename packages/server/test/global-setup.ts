import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import type { TestProject } from "vitest/node";

declare module "vitest" {
  export interface ProvidedContext {
    postgresUrl: string;
  }
}

const run = promisify(execFile);
const services = fileURLToPath(new URL("../../../scripts/services/services.mjs", import.meta.url));

/**
 * Provides `postgresUrl` to the tests: `CORTEX_TEST_POSTGRES_URL` when it is
 * set, otherwise a throwaway server started here (owned by this process, so
 * its watchdog stops it even if vitest is killed) and stopped at the end.
 * When PostgreSQL is not installed the run fails, naming the package.
 */
export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  const given = process.env.CORTEX_TEST_POSTGRES_URL;
  if (given) {
    project.provide("postgresUrl", given);
    return undefined;
  }
  let started: { dir: string; env: { CORTEX_TEST_POSTGRES_URL: string } };
  try {
    const args = ["start", "--only", "postgres", "--json", "--owner", String(process.pid)];
    const { stdout } = await run(process.execPath, [services, ...args]);
    started = JSON.parse(stdout) as typeof started;
  } catch (error) {
    const { stderr, code } = error as { stderr?: string; code?: number };
    const why = stderr?.trim() ? stderr.trim() : String(error);
    throw new Error(
      code === 3
        ? `@cortex/server tests need a PostgreSQL server: ${why}\n(CI installs it with: bash scripts/ci-system-deps.sh postgresql)`
        : `could not start PostgreSQL for the tests: ${why}`,
      { cause: error },
    );
  }
  project.provide("postgresUrl", started.env.CORTEX_TEST_POSTGRES_URL);
  return async () => {
    await run(process.execPath, [services, "stop", "--dir", started.dir]);
  };
}
