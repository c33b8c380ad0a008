import { cortexVitestConfig } from "../../vitest.config.base.js";

export default cortexVitestConfig();
