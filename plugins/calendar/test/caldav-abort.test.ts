import { createServer, type Server, type Socket } from "node:net";
import { FakeBroker } from "@cortex/testing";
import { afterEach, describe, expect, it } from "vitest";
import { CaldavBackend } from "../src/backends/caldav.js";
import { CalendarPlugin } from "../src/index.js";

// A server that accepts connections and never answers: only an abort ends a request.
let server: Server | undefined;
const sockets: Socket[] = [];

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

async function silentServer(): Promise<string> {
  server = createServer((socket) => void sockets.push(socket));
  await new Promise<void>((resolve) => server?.listen(0, "127.0.0.1", resolve));
  const address = server.address() as { port: number };
  return `http://127.0.0.1:${address.port}/`;
}

describe("CalDAV connection setup", () => {
  it("ends at the caller's abort signal, not only at the request timeout", async () => {
    const plugin = new CalendarPlugin();
    await plugin.setup(
      new FakeBroker({
        calendar_backend: "caldav",
        calendar_caldav_url: await silentServer(),
        calendar_caldav_username: "u",
        calendar_caldav_password: "pw",
      }),
    );
    const reason = new Error("user pressed stop");
    const controller = new AbortController();
    let abortedAt = Number.POSITIVE_INFINITY;
    setTimeout(() => {
      abortedAt = Date.now();
      controller.abort(reason);
    }, 100);
    await expect(
      plugin.executeAction(
        "list_events",
        { start: "2026-06-01", end: "2026-06-02" },
        { signal: controller.signal, callId: "c1" },
      ),
    ).rejects.toBe(reason);
    // The request timeout is 15 s (not settable here); the abort ends the discovery request right away:
    // a fraction of a second even on a loaded machine, far from the 15 s that waiting it out would take.
    expect(Date.now() - abortedAt).toBeLessThan(7_500);
    await plugin.teardown();
  });

  it("refuses a request time limit that is not one with CORTEX_INVALID_OPTIONS", () => {
    const config = { url: "http://127.0.0.1:9/", username: "u", password: "pw" };
    for (const requestTimeoutMs of [0, -1, Number.NaN]) {
      expect(() => new CaldavBackend({ ...config, requestTimeoutMs })).toThrow(
        expect.objectContaining({ code: "CORTEX_INVALID_OPTIONS", option: "requestTimeoutMs" }),
      );
    }
    expect(() => new CaldavBackend({ ...config, requestTimeoutMs: Infinity })).not.toThrow();
  });
});
