import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  mustRun,
  npmInstall,
  packedTarballs,
  removeProject,
  tarballOverrides,
  tempProject,
  WORKSPACE,
  type PackedName,
} from "./support/pack.js";

// The sample plugins as users get them: packed tarballs installed by npm
// into a project outside the workspace, found by discovery, run through a
// registry. Only third-party dependencies (ajv, ical.js, tsdav) come from
// the npm registry.

const ICS = [
  "BEGIN:VCALENDAR",
  "VERSION:2.0",
  "PRODID:-//Cortex e2e//EN",
  "BEGIN:VEVENT",
  "UID:launch@e2e",
  "DTSTAMP:20260101T000000Z",
  "DTSTART:20260602T090000Z",
  "DTEND:20260602T100000Z",
  "SUMMARY:Launch review",
  "END:VEVENT",
  "END:VCALENDAR",
  "",
].join("\r\n");

// Plain ESM, as a user's script would be: discovery, an approved CONFIRM write, an AUTO read, a calendar listing.
const SCRIPT = `import { approvalId, MemoryBroker, PluginRegistry, silentLogger } from "@cortex/plugins";

const [root, ics] = process.argv.slice(2);
const registry = new PluginRegistry({
  broker: new MemoryBroker({ files_root: root, calendar_ics_path: ics }),
  logger: silentLogger,
});
const report = await registry.discoverAndRegister();
const write = { path: "notes/hello.txt", content: "hello from a packed tarball", createDirectories: true };
let unapproved;
try {
  await registry.execute("files", "write", write);
} catch (error) {
  unapproved = error.code;
}
const written = await registry.execute("files", "write", write, {
  approval: { id: approvalId("files", "write", write), approved: true, decidedBy: "e2e" },
});
const read = await registry.execute("files", "read", { path: "notes/hello.txt" });
const events = await registry.execute("calendar", "list_events", { start: "2026-06-01", end: "2026-06-30" });
await registry.shutdown();
console.log(JSON.stringify({
  registered: report.registered,
  failed: report.failed.map((f) => ({ package: f.package, code: f.error.code, message: f.error.message })),
  unapproved,
  written: written.success,
  read,
  events,
}));
`;

// The CommonJS entry points, through require().
const CJS_SCRIPT = `const plugins = require("@cortex/plugins");
const { FilesPlugin } = require("@cortex/plugin-files");
const { CalendarPlugin } = require("@cortex/plugin-calendar");
const testing = require("@cortex/testing");
console.log(JSON.stringify({
  registry: typeof plugins.PluginRegistry,
  files: new FilesPlugin().name,
  calendar: new CalendarPlugin().name,
  fakeBroker: typeof testing.FakeBroker,
}));
`;

const INSTALLED: PackedName[] = [
  "@cortex/hooks",
  "@cortex/plugins",
  "@cortex/testing",
  "@cortex/plugin-calendar",
  "@cortex/plugin-files",
];

let project: string | undefined;
let tarballs: Record<PackedName, string>;

beforeAll(async () => {
  tarballs = await packedTarballs();
  project = await tempProject("cortex-e2e-published-");
  // Every @cortex/* name resolves to its tarball, also where one package depends on another
  // (pnpm pack turned workspace:^ into ^0.0.0, which the registry cannot serve). npm wants an
  // override of a direct dependency to be the very spec it is depended on with, so both are
  // written here and one plain \`npm install\` installs all tarballs together.
  const overrides = tarballOverrides(tarballs);
  const dependencies = Object.fromEntries(INSTALLED.map((name) => [name, overrides[name]!]));
  await writeFile(
    join(project, "package.json"),
    JSON.stringify({ name: "cortex-e2e-host", private: true, type: "module", dependencies, overrides }, null, 2),
  );
  await npmInstall(project);
  await mkdir(join(project, "sandbox"));
  await writeFile(join(project, "calendar.ics"), ICS);
  await writeFile(join(project, "run.mjs"), SCRIPT);
  await writeFile(join(project, "run.cjs"), CJS_SCRIPT);
});

afterAll(() => removeProject(project));

describe("published sample plugins", () => {
  it("install from their tarballs, outside the workspace", async () => {
    const manifest = JSON.parse(await readFile(join(project!, "package.json"), "utf8")) as {
      dependencies: Record<string, string>;
    };
    expect(Object.keys(manifest.dependencies).sort()).toEqual([...INSTALLED].sort());
    for (const name of INSTALLED) {
      const installed = join(project!, "node_modules", name);
      expect(installed.startsWith(WORKSPACE)).toBe(false);
      const pkg = JSON.parse(await readFile(join(installed, "package.json"), "utf8")) as {
        dependencies?: Record<string, string>;
      };
      // Packing replaced every workspace: range with a real one.
      expect(JSON.stringify(pkg.dependencies ?? {})).not.toContain("workspace:");
    }
  });

  it("are discovered and run through a PluginRegistry", async () => {
    const { stdout } = await mustRun(
      process.execPath,
      ["run.mjs", join(project!, "sandbox"), join(project!, "calendar.ics")],
      { cwd: project! },
    );
    const result = JSON.parse(stdout) as Record<string, unknown>;
    expect(result.failed).toEqual([]);
    expect(result.registered).toEqual(
      expect.arrayContaining([
        { name: "calendar", package: "@cortex/plugin-calendar" },
        { name: "files", package: "@cortex/plugin-files" },
      ]),
    );
    expect(result.unapproved).toBe("CORTEX_APPROVAL_REQUIRED");
    expect(result.written).toBe(true);
    expect(result.read).toMatchObject({ success: true, data: { content: "hello from a packed tarball" } });
    expect(result.events).toMatchObject({
      success: true,
      data: { events: [{ id: "launch@e2e", title: "Launch review" }] },
    });
    expect(await readFile(join(project!, "sandbox/notes/hello.txt"), "utf8")).toBe("hello from a packed tarball");
  });

  it("load through require() too", async () => {
    const { stdout } = await mustRun(process.execPath, ["run.cjs"], { cwd: project! });
    expect(JSON.parse(stdout)).toEqual({
      registry: "function",
      files: "files",
      calendar: "calendar",
      fakeBroker: "function",
    });
  });
});
