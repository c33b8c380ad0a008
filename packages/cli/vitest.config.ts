import { cortexVitestConfig } from "../../vitest.config.base.js";

// The end-to-end tests spawn the built `cortex` binary: turbo's test task builds this package first.
export default cortexVitestConfig();
