import { cortexVitestConfig } from "../../vitest.config.base.js";

// The PostgreSQL tests run against a real server: started by the global
// setup unless CORTEX_TEST_POSTGRES_URL names one already running. The
// browser tests drive Debian's Chromium and take longer than unit tests.
export default cortexVitestConfig({ globalSetup: ["./test/global-setup.ts"], testTimeout: 120_000 });
