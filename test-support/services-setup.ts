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

type Service = "postgres" | "redis";

const run = promisify(execFile);
const services = fileURLToPath(new URL("../scripts/services/services.mjs", import.meta.url));
const NAMES: Record<
  Service,
  { server: string; debian: string; variable: string; provided: "postgresUrl" | "redisUrl" }
> = {
  postgres: {
    server: "PostgreSQL",
    debian: "postgresql",
    variable: "CORTEX_TEST_POSTGRES_URL",
    provided: "postgresUrl",
  },
  redis: { server: "Redis", debian: "redis-server", variable: "CORTEX_TEST_REDIS_URL", provided: "redisUrl" },
};

/**
 * A vitest global setup that provides the URLs of `needs` to the tests of
 * `who` (`inject("postgresUrl")`, `inject("redisUrl")`): the servers the
 * `CORTEX_TEST_*_URL` variables name when all are set, otherwise throwaway
 * servers started by `scripts/services` on 127.0.0.1 (owned by this process,
 * so their watchdog stops them even if vitest is killed) and stopped at the
 * end. A server that is not installed fails the run, naming its package.
 */
export function servicesSetup(who: string, needs: readonly Service[]) {
  return async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
    const given = needs.map((service) => process.env[NAMES[service].variable]);
    if (given.every(Boolean)) {
      needs.forEach((service, i) => project.provide(NAMES[service].provided, given[i]!));
      return undefined;
    }
    const servers = needs.map((service) => NAMES[service].server).join(" and ");
    let started: { dir: string; env: Record<string, string> };
    try {
      const args = ["start", ...needs.flatMap((service) => ["--only", service]), "--json"];
      const { stdout } = await run(process.execPath, [services, ...args, "--owner", String(process.pid)]);
      started = JSON.parse(stdout) as typeof started;
    } catch (error) {
      const { stderr, code } = error as { stderr?: string; code?: number };
      const why = stderr?.trim() ? stderr.trim() : String(error);
      const packages = needs.map((service) => NAMES[service].debian).join(" ");
      throw new Error(
        code === 3
          ? `${who} need ${servers}: ${why}\n(CI installs ${needs.length > 1 ? "them" : "it"} with: bash scripts/ci-system-deps.sh ${packages})`
          : `could not start ${servers} for the tests: ${why}`,
        { cause: error },
      );
    }
    for (const service of needs) project.provide(NAMES[service].provided, started.env[NAMES[service].variable]!);
    return async () => {
      await run(process.execPath, [services, "stop", "--dir", started.dir]);
    };
  };
}
