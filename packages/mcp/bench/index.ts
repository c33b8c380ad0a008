/**
 * What Cortex adds to an MCP tool call: `registry.execute` on an
 * `mcpServerPlugin` (validation, tier, result mapping, credential scrubbing)
 * against the SDK's own `Client.callTool` to the same stdio server, both in
 * this process, one call at a time. Missed targets are printed, never fatal.
 *
 * Both tasks run in alternating rounds and each keeps its best round, as
 * the machine's load changes between rounds.
 *
 * Knobs: BENCH_TIME_MS per task and round (default 1000), BENCH_ROUNDS (default 3).
 */
import { join } from "node:path";
import { MemoryBroker, PluginRegistry, silentLogger } from "@cortex/plugins";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { Bench } from "tinybench";
import { mcpServerPlugin } from "../src/index.js";

const TIME_MS = Number(process.env.BENCH_TIME_MS ?? 1_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const TARGET = 1.5;
const server = join(import.meta.dirname, "..", "test", "fixtures", "tiny-server.mjs");
const secret = "a-secret-to-scrub-from-results";

const client = new Client({ name: "bench", version: "1" });
await client.connect(new StdioClientTransport({ command: process.execPath, args: [server], stderr: "ignore" }));

const broker = new MemoryBroker({ tiny_secret: secret });
const registry = new PluginRegistry({ broker, logger: silentLogger });
registry.register(
  mcpServerPlugin({
    name: "tiny",
    command: "node",
    args: [server],
    credentials: { tiny_secret: { description: "scrubbed from results", env: "TINY_SECRET" } },
    logger: silentLogger,
  }),
);
await registry.setupAllPending();

const args = { text: "hello" };
const best = { baseline: Infinity, ours: Infinity };
for (let round = 0; round < ROUNDS; round++) {
  const bench = new Bench({ time: TIME_MS, warmupTime: 200 });
  const tasks = {
    baseline: async () => {
      await client.callTool({ name: "echo", arguments: args });
    },
    ours: async () => {
      await registry.execute("tiny", "echo", args);
    },
  };
  // Which task runs first alternates, so neither always gets the quieter half of a round.
  for (const name of round % 2 === 0 ? (["baseline", "ours"] as const) : (["ours", "baseline"] as const)) {
    bench.add(name, tasks[name]);
  }
  await bench.run();
  for (const task of bench.tasks) {
    const key = task.name as keyof typeof best;
    const result = task.result;
    if (!("latency" in result)) throw new Error(`benchmark ${task.name} did not complete`);
    best[key] = Math.min(best[key], result.latency.mean);
  }
}
const ratio = best.ours / best.baseline;
console.log("\n@cortex/mcp — a tool call through Cortex vs the SDK client, same server, same process (best of rounds)");
console.log(`SDK Client.callTool (baseline)       ${(best.baseline * 1000).toFixed(0)} µs per call`);
console.log(`registry.execute on mcpServerPlugin  ${(best.ours * 1000).toFixed(0)} µs per call`);
console.log(
  `ratio ${ratio.toFixed(2)}x (+${((best.ours - best.baseline) * 1000).toFixed(0)} µs); target <= ${TARGET}x: ${ratio <= TARGET ? "pass" : "MISS"}`,
);

await client.close();
await registry.shutdown();
