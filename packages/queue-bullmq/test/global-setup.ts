import { servicesSetup } from "../../../test-support/services-setup.js";

export default servicesSetup("@cortex/queue-bullmq tests", ["postgres", "redis"]);
