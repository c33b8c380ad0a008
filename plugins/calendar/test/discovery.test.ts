import { mkdir, readFile, symlink, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { PluginRegistry, silentLogger } from "@cortex/plugins";
import { FakeBroker } from "@cortex/testing";
import { describe, expect, it } from "vitest";
import { tempDir } from "./support/temp.js";

const packageDir = join(dirname(fileURLToPath(import.meta.url)), "..");

describe("discovery", () => {
  it("declares the plugin in package.json, pointing at the ESM build", async () => {
    const manifest = JSON.parse(await readFile(join(packageDir, "package.json"), "utf8")) as {
      cortex: { plugins: Record<string, string> };
      exports: { ".": { import: { default: string } } };
    };
    expect(manifest.cortex.plugins).toEqual({ calendar: "./dist/index.js#CalendarPlugin" });
    expect(manifest.exports["."].import.default).toBe("./dist/index.js");
  });

  it("is found by discoverAndRegister in a host project that depends on it, and works from dist/", async () => {
    const host = await tempDir();
    await writeFile(
      join(host, "package.json"),
      JSON.stringify({ name: "host-app", private: true, dependencies: { "@cortex/plugin-calendar": "^0.1.0" } }),
    );
    await mkdir(join(host, "node_modules", "@cortex"), { recursive: true });
    await symlink(packageDir, join(host, "node_modules", "@cortex", "plugin-calendar"), "dir");

    const file = join(host, "calendar.ics");
    const registry = new PluginRegistry({
      broker: new FakeBroker({ calendar_ics_path: file }),
      logger: silentLogger,
    });
    try {
      const report = await registry.discoverAndRegister({ cwd: host });
      expect(report.failed).toEqual([]);
      expect(report.registered).toEqual([{ name: "calendar", package: "@cortex/plugin-calendar" }]);
      expect(await registry.setupAllPending()).toEqual({ ready: ["calendar"], failed: [] });
      expect(await registry.execute("calendar", "list_events", { start: "2026-06-01", end: "2026-06-30" })).toEqual({
        success: true,
        data: { events: [] },
      });
      expect(await readFile(file, "utf8")).toContain("BEGIN:VCALENDAR");
    } finally {
      await registry.shutdown();
    }
  });
});
