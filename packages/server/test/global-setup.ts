import { servicesSetup } from "../../../test-support/services-setup.js";

// The inbox is tested with the PostgreSQL run store too.
export default servicesSetup("@cortex/server tests", ["postgres"]);
