import { cortexVitestConfig } from "../../vitest.config.base.js";

// Packing and installing tarballs takes a while; these tests get minutes, not seconds.
export default cortexVitestConfig({ testTimeout: 600_000, hookTimeout: 600_000 });
