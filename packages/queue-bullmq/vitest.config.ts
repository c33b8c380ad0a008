import { cortexVitestConfig } from "../../vitest.config.base.js";

// The tests run against a real PostgreSQL and Redis: started by the global setup
// unless CORTEX_TEST_POSTGRES_URL and CORTEX_TEST_REDIS_URL name running ones.
// A test waits for up to two runs to go through Redis, a worker and PostgreSQL: well under a
// second each alone, tens of seconds where every package's tests share two cores.
export default cortexVitestConfig({ globalSetup: ["./test/global-setup.ts"], testTimeout: 120_000 });
