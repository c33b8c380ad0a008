import { createServer, type Server, type Socket } from "node:net";
import type { AddressInfo } from "node:net";
import { PassThrough } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { main } from "../src/index.js";
import { cortex, makeHost } from "./helpers.js";

/** A TCP server that accepts connections and never answers: a CalDAV server or model that hangs. */
async function silentServer(): Promise<{ url: string; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => void sockets.add(socket));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

let closeLater: (() => Promise<void>) | undefined;
afterEach(async () => {
  await closeLater?.();
  closeLater = undefined;
});

describe("Ctrl+C (SIGINT)", () => {
  it("ends `health` at once with status 130 when a plugin hangs", async () => {
    const silent = await silentServer();
    closeLater = silent.close;
    const host = await makeHost();
    const env = {
      ...host.env,
      CORTEX_CALENDAR_BACKEND: "caldav",
      CORTEX_CALENDAR_CALDAV_URL: `${silent.url}/calendar`,
      CORTEX_CALENDAR_CALDAV_USERNAME: "u",
      CORTEX_CALENDAR_CALDAV_PASSWORD: "p",
    };
    const started = Date.now();
    const { code, stderr } = await cortex(["health"], {
      cwd: host.dir,
      env,
      interruptAfterMs: 1_500,
      timeoutMs: 10_000,
    });
    expect(code).toBe(130);
    expect(stderr).toContain("interrupted");
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it("ends `run` with status 130, like the commands that do not use the signal", async () => {
    const silent = await silentServer();
    closeLater = silent.close;
    const host = await makeHost();
    const env = {
      ...host.env,
      CORTEX_MODEL: "fake",
      CORTEX_MODEL_BASE_URL: `${silent.url}/v1`,
      CORTEX_MODEL_MAX_RETRIES: "0",
    };
    const { code } = await cortex(["run", "hello"], { cwd: host.dir, env, interruptAfterMs: 1_500, timeoutMs: 10_000 });
    expect(code).toBe(130);
  });

  it("passes the signal to exec's plugin call and resolves to 130", async () => {
    const host = await makeHost();
    const controller = new AbortController();
    controller.abort(new Error("interrupted"));
    let err = "";
    const code = await main(["exec", "files", "read", '{"path":"hello.txt"}'], {
      cwd: host.dir,
      env: host.env,
      stdin: new PassThrough(),
      stdout: { write: () => true },
      stderr: { write: (chunk: string) => ((err += chunk), true) },
      signal: controller.signal,
    });
    expect(code).toBe(130);
    expect(err).toContain("interrupted");
  });
});
