import { cortexTsupConfig } from "../../tsup.config.base.js";

export default cortexTsupConfig();
