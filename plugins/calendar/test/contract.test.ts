import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describePluginContract } from "@cortex/testing/vitest";
import { afterAll } from "vitest";
import { CalendarPlugin } from "../src/index.js";

const dir = mkdtempSync(join(tmpdir(), "cortex-calendar-contract-"));
const file = join(dir, "calendar.ics");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describePluginContract("calendar plugin contract (ICS backend)", () => new CalendarPlugin(), {
  credentials: { calendar_backend: "ics", calendar_ics_path: file },
  validParams: {
    create_event: { title: "Contract", start: "2026-06-01", end: "2026-06-01" },
    update_event: { id: "contract-id", title: "Changed" },
    delete_event: { id: "contract-id" },
  },
});
