import { cortexVitestConfig } from "../../vitest.config.base.js";

// The end-to-end tests spawn the built `cortex` binary: turbo's test task builds this package first.
// `cortex worker` and `cortex db` run against a real PostgreSQL and Redis: started by the global setup
// unless CORTEX_TEST_POSTGRES_URL and CORTEX_TEST_REDIS_URL name running ones.
// Most tests start one to four `cortex` processes in turn: a second or two each alone, up to tens of
// seconds each where every package's tests share two cores.
export default cortexVitestConfig({ globalSetup: ["./test/global-setup.ts"], testTimeout: 180_000 });
