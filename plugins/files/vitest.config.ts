import { cortexVitestConfig } from "../../vitest.config.base.js";

// The discovery test loads the plugin from dist/: turbo's test task builds this package first.
export default cortexVitestConfig();
