import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { ActionCall, createCallHost } from "../src/call.js";
import { Redactor } from "../src/redact.js";
import { silentLogger, type Plugin, type PluginResult } from "../src/index.js";
import { makePlugin, makeRegistry } from "./fixtures.js";

// The three timeout guarantees `execute` keeps while sharing clock reads
// between back-to-back calls and never toggling timer refs per call:
// (1) a call times out no earlier than its timeout after it started, and not
//     much later; (2) a pending call keeps the process alive until it settles
//     or times out; (3) an idle registry never keeps the process alive.

const hung = (): Promise<PluginResult> => new Promise(() => undefined);
const spin = (ms: number) => {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // Busy: the event loop cannot run.
  }
};

/** Starts `execute`-like calls on a bare host, so a test can pick how deadlines are stamped. */
function hostWith(solo: number) {
  const host = createCallHost(silentLogger, new Redactor());
  host.solo = solo;
  const plugin = makePlugin({ executeAction: hung }) as unknown as Plugin;
  const start = (timeoutMs: number) => {
    const started = performance.now();
    return ActionCall.start(host, plugin, "echo", {}, timeoutMs, undefined, undefined, undefined).then((result) => ({
      result,
      elapsed: performance.now() - started,
    }));
  };
  return { host, start };
}

describe("timeouts: (1) never before the call's full time, not much after", () => {
  it.each([
    ["calls sharing one start window (back to back)", 0],
    ["calls reading the clock themselves", 1_000],
  ])("%s", async (_label, solo) => {
    const { start } = hostWith(solo);
    // Both calls start in the same synchronous stretch, 60 ms apart: a clock
    // read taken when the first one started would cut the second one short.
    const first = start(40);
    spin(60);
    const second = start(40);
    const [a, b] = await Promise.all([first, second]);
    for (const { result, elapsed } of [a, b]) {
      expect(result.code).toBe("CORTEX_PLUGIN_TIMEOUT");
      expect(elapsed).toBeGreaterThanOrEqual(40);
    }
    // Late by at most the synchronous work after the start (60 ms for the
    // first call when windows are shared) plus scheduling slack on a busy machine.
    expect(a.elapsed).toBeLessThan(40 + 60 + 250);
    expect(b.elapsed).toBeLessThan(40 + 250);
  });

  it("every call of a long back-to-back burst gets its full time", async () => {
    const { start } = hostWith(0);
    const runs: Promise<{ result: PluginResult; elapsed: number }>[] = [];
    // More calls than one window holds, with work between them.
    for (let i = 0; i < 150; i++) {
      runs.push(start(30));
      if (i % 10 === 0) spin(2);
    }
    for (const { result, elapsed } of await Promise.all(runs)) {
      expect(result.code).toBe("CORTEX_PLUGIN_TIMEOUT");
      expect(elapsed).toBeGreaterThanOrEqual(30);
    }
  });

  it("the plugin's signal is not aborted before its time, through the registry", async () => {
    let abortedAfter = 0;
    const { registry } = makeRegistry({ timeoutMs: 50 });
    registry.register(
      makePlugin({
        executeAction: (_a, _p, context) => {
          const started = performance.now();
          context?.signal.addEventListener("abort", () => (abortedAfter = performance.now() - started));
          return hung();
        },
      }),
    );
    await registry.setupAllPending();
    for (let round = 0; round < 3; round++) {
      // Sequential calls, each alone in its drain: the registry switches to
      // per-call clock reads after the first; both paths must hold.
      const pending = registry.execute("test", "echo", {});
      spin(20);
      expect((await pending).code).toBe("CORTEX_PLUGIN_TIMEOUT");
      expect(abortedAfter).toBeGreaterThanOrEqual(50);
    }
  });
});

// Child processes import the sources through tsx, as the bench does.
const srcIndex = fileURLToPath(new URL("../src/index.ts", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "cortex-timeouts-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function runScript(
  name: string,
  body: string,
): Promise<{ code: number | null; stdout: string; stderr: string; ms: number }> {
  const file = join(dir, `${name}.mts`);
  writeFileSync(
    file,
    `import { MemoryBroker, PluginRegistry, silentLogger } from ${JSON.stringify(srcIndex)};
const plugin = (executeAction) => ({
  name: "p", version: "1.0.0", description: "", setup() {}, teardown() {}, health: () => ({ plugin: "p", status: "HEALTHY" }),
  listActions: () => [{ name: "a", description: "", tier: "AUTO" }],
  executeAction,
});
${body}`,
  );
  const started = Date.now();
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["--import", "tsx", file],
      { cwd: fileURLToPath(new URL("..", import.meta.url)), timeout: 15_000 },
      (error, stdout, stderr) => {
        resolve({
          code: error ? (typeof error.code === "number" ? error.code : null) : 0,
          stdout,
          stderr,
          ms: Date.now() - started,
        });
      },
    );
  });
}

describe("process lifetime", () => {
  it("(2) an awaited hung plugin yields its timeout result; the process does not exit first", async () => {
    const run = await runScript(
      "hung",
      `const registry = new PluginRegistry({ broker: new MemoryBroker(), logger: silentLogger, timeoutMs: 200 });
registry.register(plugin(() => new Promise(() => {})));
const started = performance.now();
const result = await registry.execute("p", "a", {});
console.log(JSON.stringify({ result, elapsed: performance.now() - started }));`,
    );
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const out = JSON.parse(run.stdout) as { result: PluginResult; elapsed: number };
    expect(out.result).toMatchObject({ success: false, code: "CORTEX_PLUGIN_TIMEOUT" });
    expect(out.elapsed).toBeGreaterThanOrEqual(200);
  });

  it("(3) once the last call finished, the process exits promptly despite a 30 s timeout", async () => {
    const run = await runScript(
      "idle",
      `const registry = new PluginRegistry({ broker: new MemoryBroker(), logger: silentLogger, timeoutMs: 30_000 });
registry.register(plugin((_a, params) => params.slow ? new Promise((r) => setTimeout(() => r({ success: true }), 30)) : Promise.resolve({ success: true })));
let done = 0;
process.on("exit", () => console.log(JSON.stringify({ exitAfter: performance.now() - done })));
for (let i = 0; i < 100; i++) await registry.execute("p", "a", {});
await registry.execute("p", "a", { slow: true });
await new Promise((r) => setImmediate(r));
await registry.execute("p", "a", {});
done = performance.now();`,
    );
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect((JSON.parse(run.stdout) as { exitAfter: number }).exitAfter).toBeLessThan(1_000);
  });

  it("(2)+(3) a call that settles only while the registry holds the process open releases it", async () => {
    // The plugin answers from an unreferenced timer: nothing but the pending
    // call keeps the process alive, and once it settles nothing does.
    const run = await runScript(
      "held",
      `const registry = new PluginRegistry({ broker: new MemoryBroker(), logger: silentLogger, timeoutMs: 30_000 });
registry.register(plugin(() => new Promise((r) => setTimeout(() => r({ success: true, data: "late" }), 150).unref())));
let done = 0;
process.on("exit", () => console.log(JSON.stringify({ result, exitAfter: performance.now() - done })));
const result = await registry.execute("p", "a", {});
done = performance.now();`,
    );
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const out = JSON.parse(run.stdout) as { result: PluginResult; exitAfter: number };
    expect(out.result).toEqual({ success: true, data: "late" });
    expect(out.exitAfter).toBeLessThan(1_000);
  });
});
