import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cortex, makeHost } from "./helpers.js";

describe("cortex plugins", () => {
  it("lists the plugins of the project's direct dependencies with their actions and tiers", async () => {
    const host = await makeHost();
    const { code, stdout, stderr } = await cortex(["plugins"], { cwd: host.dir });
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(stdout).toMatch(/^files 0\.0\.0 +\(@cortex\/plugin-files\)/m);
    expect(stdout).toMatch(/^calendar 0\.0\.0 +\(@cortex\/plugin-calendar\)/m);
    expect(stdout).toMatch(/^ {2}AUTO +list_events /m);
    expect(stdout).toMatch(/^ {2}CONFIRM create_event /m);
    expect(stdout).toMatch(/^ {2}ADMIN +delete /m);
    expect(stdout).toContain("2 plugin(s), 10 action(s)");
    // Each declared credential with the variable it is read from.
    expect(stdout).toMatch(
      /^ {2}CORTEX_FILES_ROOT +files_root: The sandbox folder every path stays inside \(required\)$/m,
    );
    expect(stdout).toMatch(/^ {2}CORTEX_CALENDAR_CALDAV_PASSWORD +calendar_caldav_password: .*\(optional, secret\)$/m);
  });

  it("--json prints plugins, actions with schemas, skipped and failed packages", async () => {
    const host = await makeHost({ "not-installed": "1.0.0" });
    const { code, stdout } = await cortex(["plugins", "--json"], { cwd: host.dir });
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as {
      plugins: { name: string; package: string; actions: { name: string; tier: string; parameters?: unknown }[] }[];
      skipped: { package: string; reason: string }[];
      failed: unknown[];
    };
    expect(report.plugins.map((p) => p.name).sort()).toEqual(["calendar", "files"]);
    const files = report.plugins.find((p) => p.name === "files")!;
    expect(files.package).toBe("@cortex/plugin-files");
    expect(files.actions.map((a) => [a.name, a.tier])).toEqual([
      ["list", "AUTO"],
      ["read", "AUTO"],
      ["search", "AUTO"],
      ["write", "CONFIRM"],
      ["move", "CONFIRM"],
      ["delete", "ADMIN"],
    ]);
    expect(files.actions[3]!.parameters).toMatchObject({ required: ["path", "content"] });
    expect((files as unknown as { credentials: unknown }).credentials).toContainEqual({
      key: "files_root",
      description: "The sandbox folder every path stays inside",
      secret: false,
      required: true,
      variable: "CORTEX_FILES_ROOT",
    });
    expect(report.skipped).toContainEqual({ package: "not-installed", reason: "not installed" });
    expect(report.failed).toEqual([]);
  });

  it("reports a package that fails to load, keeps the others, and exits 1", async () => {
    const host = await makeHost({ broken: "1.0.0" });
    const pkg = join(host.dir, "node_modules/broken");
    await import("node:fs/promises").then((fs) => fs.mkdir(pkg));
    await writeFile(
      join(pkg, "package.json"),
      JSON.stringify({ name: "broken", cortex: { plugins: { broken: "./missing.js" } } }),
    );
    const { code, stdout, stderr } = await cortex(["plugins"], { cwd: host.dir });
    expect(code).toBe(1);
    expect(stdout).toContain("2 plugin(s)");
    expect(stderr).toMatch(/warning \[CORTEX_INVALID_SPECIFIER\]: plugin "broken" of broken could not be loaded/);
    expect(stderr).toMatch(/^error \[CORTEX_CLI_PLUGINS_FAILED\]: 1 plugin package\(s\) could not be loaded$/m);
  });
});
