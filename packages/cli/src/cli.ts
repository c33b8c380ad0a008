#!/usr/bin/env node
import { main } from "./main.js";

// Ctrl+C stops a running agent cleanly (its run fails as aborted); a second one exits at once.
const controller = new AbortController();
process.on("SIGINT", () => {
  if (controller.signal.aborted) process.exit(130);
  controller.abort(new Error("interrupted"));
});

const code = await main(process.argv.slice(2), { signal: controller.signal });
process.exitCode = code;
// Let output drain, but do not wait forever for a stray handle (an idle HTTP agent, a timer).
setTimeout(() => process.exit(code), 2_000).unref();
