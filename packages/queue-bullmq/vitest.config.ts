import { cortexVitestConfig } from "../../vitest.config.base.js";

// The tests run against a real PostgreSQL and Redis: started by the global setup
// unless CORTEX_TEST_POSTGRES_URL and CORTEX_TEST_REDIS_URL name running ones.
export default cortexVitestConfig({ globalSetup: ["./test/global-setup.ts"] });
