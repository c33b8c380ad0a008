import { cortexVitestConfig } from "../../vitest.config.base.js";

// Most tests here start node processes that import the MCP SDK: alone they take a second, on a
// machine running every package's tests at once they can take twenty.
export default cortexVitestConfig({ testTimeout: 120_000 });
