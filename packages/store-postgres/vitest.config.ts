import { cortexVitestConfig } from "../../vitest.config.base.js";

// The tests run against a real PostgreSQL: started by the global setup
// unless CORTEX_TEST_POSTGRES_URL names one already running.
export default cortexVitestConfig({ globalSetup: ["./test/global-setup.ts"] });
