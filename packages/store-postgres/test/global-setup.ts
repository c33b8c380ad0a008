import { servicesSetup } from "../../../test-support/services-setup.js";

export default servicesSetup("@cortex/store-postgres tests", ["postgres"]);
