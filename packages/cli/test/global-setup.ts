import { servicesSetup } from "../../../test-support/services-setup.js";

// `cortex worker` and `cortex db` are tested against real servers.
export default servicesSetup("@cortex/cli tests (cortex worker)", ["postgres", "redis"]);
