import { describe, expect, it } from "vitest";
import { cortex, makeHost } from "./helpers.js";

describe("cortex health", () => {
  it("sets every plugin up with credentials from the environment and prints HEALTHY", async () => {
    const host = await makeHost();
    const { code, stdout } = await cortex(["health"], { cwd: host.dir, env: host.env });
    expect(code).toBe(0);
    expect(stdout).toMatch(/^files +HEALTHY /m);
    expect(stdout).toMatch(/^calendar +HEALTHY /m);
  });

  it("exits 1 and names the missing variable when a plugin is unhealthy", async () => {
    const host = await makeHost();
    const { code, stdout, stderr } = await cortex(["health"], {
      cwd: host.dir,
      env: { CORTEX_CALENDAR_ICS_PATH: host.ics },
    });
    expect(code).toBe(1);
    expect(stdout).toMatch(
      /^files +UNHEALTHY .*missing required credentials: files_root \(environment variable CORTEX_FILES_ROOT\)$/m,
    );
    // Each declared key, with whether its variable is set.
    expect(stdout).toMatch(/^ {2}CORTEX_FILES_ROOT +not set \(files_root, required\)$/m);
    expect(stdout).toMatch(/^ {2}CORTEX_CALENDAR_ICS_PATH +set \(calendar_ics_path, optional\)$/m);
    expect(stdout).toMatch(/^calendar +HEALTHY /m);
    expect(stderr).toMatch(/^error \[CORTEX_CLI_UNHEALTHY\]: not every plugin is healthy \(unhealthy: files\)$/m);
  });

  it("--json prints the statuses", async () => {
    const host = await makeHost();
    const { code, stdout } = await cortex(["health", "--json"], { cwd: host.dir, env: host.env });
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as { status: string; plugins: { plugin: string; status: string }[] };
    expect(report.status).toBe("HEALTHY");
    expect(report.plugins.map((p) => p.status)).toEqual(["HEALTHY", "HEALTHY"]);
    const files = report.plugins[0] as unknown as { credentials: { key: string; variable: string; set: boolean }[] };
    expect(files.credentials).toContainEqual(
      expect.objectContaining({ key: "files_root", variable: "CORTEX_FILES_ROOT", set: true }),
    );
  });
});
