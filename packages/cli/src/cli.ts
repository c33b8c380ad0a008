#!/usr/bin/env node
import { CLI_DEFAULTS } from "./defaults.js";
import { main } from "./main.js";

// Ctrl+C stops a running agent cleanly (its run fails as aborted); a second one exits at once.
const controller = new AbortController();
process.on("SIGINT", () => {
  if (controller.signal.aborted) process.exit(130);
  controller.abort(new Error("interrupted"));
});

// A reader that goes away (`cortex ... | head -c 1`) is not an error worth a stack trace: exit quietly.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw error;
  });
}

const code = await main(process.argv.slice(2), { signal: controller.signal });
process.exitCode = code;
if (controller.signal.aborted) {
  // Interrupted: flush what was printed, then exit without waiting for work left behind (a hung plugin call).
  let pending = 2;
  const done = () => {
    pending -= 1;
    if (pending === 0) process.exit(code);
  };
  process.stdout.write("", done);
  process.stderr.write("", done);
}
// Let output drain, but do not wait forever for a stray handle (an idle HTTP agent, a timer).
setTimeout(() => process.exit(code), CLI_DEFAULTS.exitDrainMs).unref();
