import { readFile } from "node:fs/promises";
import { createPluginHarness, type PluginHarness } from "@cortex/testing";
import { afterEach, describe, expect, it } from "vitest";
import { CalendarPlugin, type CalendarEvent } from "../src/index.js";
import { tempIcsPath } from "./support/temp.js";

let h: PluginHarness<CalendarPlugin> | undefined;

afterEach(async () => {
  await h?.teardown();
  h = undefined;
});

const meeting = { title: "Planning", start: "2026-06-10T09:00:00Z", end: "2026-06-10T10:00:00Z", location: "Room 4" };

describe("previews", () => {
  it("show create, update and delete as the event before and after, writing nothing", async () => {
    const file = await tempIcsPath();
    h = await createPluginHarness(new CalendarPlugin(), { credentials: { calendar_ics_path: file } });

    const create = await h.preview("create_event", meeting);
    expect(create).toEqual({
      summary: 'create "Planning" (2026-06-10T09:00:00Z – 2026-06-10T10:00:00Z)',
      details: { before: null, after: meeting },
    });
    expect(await readFile(file, "utf8")).not.toContain("Planning");

    const created = await h.execute("create_event", meeting, { approve: true });
    const event = (created.data as { event: CalendarEvent }).event;
    const before = await readFile(file, "utf8");

    const update = await h.preview("update_event", { id: event.id, title: "Planning (moved)", location: "" });
    expect(update?.summary).toBe('update "Planning" (2026-06-10T09:00:00Z – 2026-06-10T10:00:00Z): title, location');
    expect(update?.details).toEqual({
      before: event,
      after: { ...event, title: "Planning (moved)", location: undefined },
    });
    expect((update?.details?.after as Record<string, unknown>) ?? {}).not.toHaveProperty("location");

    const remove = await h.preview("delete_event", { id: event.id });
    expect(remove).toEqual({
      summary: 'delete "Planning" (2026-06-10T09:00:00Z – 2026-06-10T10:00:00Z)',
      details: { before: event, after: null },
    });
    expect(await readFile(file, "utf8")).toBe(before);
  });

  it("fails the preview of an unknown event and of an inverted range", async () => {
    h = await createPluginHarness(new CalendarPlugin(), { credentials: { calendar_ics_path: await tempIcsPath() } });
    await expect(h.preview("delete_event", { id: "nope" })).rejects.toMatchObject({
      code: "CORTEX_PREVIEW_FAILED",
      message: expect.stringContaining('"nope"') as string,
    });
    await expect(
      h.preview("create_event", { title: "Back", start: "2026-06-10T10:00:00Z", end: "2026-06-10T09:00:00Z" }),
    ).rejects.toMatchObject({ code: "CORTEX_PREVIEW_FAILED" });
  });
});
