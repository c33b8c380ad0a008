import { readdir, readFile } from "node:fs/promises";
import { dirname } from "node:path";
import { createPluginHarness } from "@cortex/testing";
import type * as fsPromises from "node:fs/promises";
import { describe, expect, it, vi } from "vitest";
import { CalendarPlugin } from "../src/index.js";
import { tempIcsPath } from "./support/temp.js";

const failRename = vi.hoisted(() => ({ on: false }));

vi.mock("node:fs/promises", async (importOriginal) => {
  const actual = await importOriginal<typeof fsPromises>();
  return {
    ...actual,
    rename: (from: string, to: string) =>
      failRename.on
        ? Promise.reject(Object.assign(new Error("disk full"), { code: "ENOSPC" }))
        : actual.rename(from, to),
  };
});

describe("ICS backend atomic write", () => {
  it("leaves the file untouched and removes the temp file when the final rename fails", async () => {
    const file = await tempIcsPath();
    const h = await createPluginHarness(new CalendarPlugin(), { credentials: { calendar_ics_path: file } });
    try {
      const ok = await h.execute(
        "create_event",
        { title: "Kept", start: "2026-06-01", end: "2026-06-01" },
        { approve: true },
      );
      expect(ok.success).toBe(true);
      const before = await readFile(file, "utf8");

      failRename.on = true;
      const failed = await h.execute(
        "create_event",
        { title: "Lost", start: "2026-06-02", end: "2026-06-02" },
        { approve: true },
      );
      failRename.on = false;

      expect(failed).toMatchObject({
        success: false,
        code: "CORTEX_CALENDAR_UNREACHABLE",
        error: expect.stringContaining("ENOSPC") as string,
      });
      expect(await readFile(file, "utf8")).toBe(before);
      expect((await readdir(dirname(file))).filter((f) => f.endsWith(".tmp"))).toEqual([]);
      const listed = await h.execute("list_events", { start: "2026-06-01", end: "2026-06-30" });
      expect((listed.data as { events: { title: string }[] }).events.map((e) => e.title)).toEqual(["Kept"]);
    } finally {
      await h.teardown();
    }
  });
});
