// A throwaway Redis: a config file in a temp folder, daemonized on
// 127.0.0.1 with a generated password, with the settings BullMQ needs
// (append-only file, no eviction, no RDB snapshots).
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { delimiter, join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { MissingPackageError, freePort, run, stopPid, tail } from "./process.mjs";

/** The redis-server binary: `$CORTEX_REDIS_SERVER`, or redis-server on PATH or in /usr/bin. */
export function redisBinary() {
  const given = process.env.CORTEX_REDIS_SERVER;
  if (given) {
    if (existsSync(given)) return given;
    throw new MissingPackageError(
      `CORTEX_REDIS_SERVER=${given} does not exist. Fix it, or unset it and install the Debian package: apt-get install redis-server`,
      ["redis-server"],
    );
  }
  const dirs = [...(process.env.PATH ?? "").split(delimiter), "/usr/bin", "/usr/sbin"];
  for (const dir of dirs) if (dir && existsSync(join(dir, "redis-server"))) return join(dir, "redis-server");
  throw new MissingPackageError(
    "redis-server not found. Install the Debian package: apt-get install redis-server (or set CORTEX_REDIS_SERVER)",
    ["redis-server"],
  );
}

/**
 * Resolves once the server answers PING (after AUTH); rejects with the last
 * problem after `timeoutMs`, or at once when `failed()` says it gave up.
 */
async function waitForPong(port, password, timeoutMs, failed) {
  const due = Date.now() + timeoutMs;
  let problem = "no answer";
  while (Date.now() < due) {
    if (failed()) throw new Error(`redis-server on port ${port} exited`);
    const answer = await new Promise((resolve) => {
      const socket = connect({ host: "127.0.0.1", port });
      let text = "";
      const done = (value) => {
        socket.destroy();
        resolve(value);
      };
      socket.setTimeout(1_000, () => done(text || "timeout"));
      socket.on("error", (error) => done(error.message));
      socket.on("data", (chunk) => {
        text += chunk.toString("utf8");
        if (text.includes("+PONG") || /^-|\r\n-/.test(text)) done(text);
      });
      socket.on("connect", () => socket.write(`AUTH ${password}\r\nPING\r\n`));
    });
    if (answer.includes("+PONG")) return;
    problem = answer.trim();
    await sleep(100);
  }
  throw new Error(`redis-server on port ${port} did not answer PING within ${timeoutMs} ms: ${problem}`);
}

function config({ port, dir, password }) {
  return [
    `port ${port}`,
    "bind 127.0.0.1",
    "protected-mode yes",
    `dir ${dir}`,
    "appendonly yes",
    "maxmemory-policy noeviction",
    'save ""',
    "daemonize yes",
    `pidfile ${join(dir, "redis.pid")}`,
    `logfile ${join(dir, "redis.log")}`,
    `requirepass ${password}`,
    "",
  ].join("\n");
}

/** Starts redis-server in `<dir>/redis`; resolves to what `stop` and clients need. */
export async function startRedis(dir, { record = () => {} } = {}) {
  const bin = redisBinary();
  const root = join(dir, "redis");
  mkdirSync(root, { recursive: true, mode: 0o700 });
  const password = randomBytes(18).toString("base64url");
  const log = join(root, "redis.log");
  let lastError;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const file = join(root, "redis.conf");
    writeFileSync(file, config({ port, dir: root, password }), { mode: 0o600 });
    writeFileSync(log, ""); // each attempt reads only its own lines
    const marker = `127.0.0.1:${port}`;
    // Known before the server runs, so a start that fails halfway can still be stopped.
    record({ root, marker, port });
    run(bin, [file], { cwd: root });
    try {
      await waitForPong(port, password, 20_000, () => /Failed listening|aborting/i.test(tail(log, 5)));
    } catch (error) {
      lastError = new Error(`${error.message}\n--- ${log} ---\n${tail(log)}`);
      const pid = readPid(root);
      if (pid) await stopPid(pid, marker);
      // Another process took the port between our check and the server's bind: try another one.
      if (/Address already in use/i.test(tail(log, 5))) continue;
      break;
    }
    const server = { pid: readPid(root), root, port, marker, url: `redis://:${password}@127.0.0.1:${port}` };
    record(server);
    return server;
  }
  throw lastError;
}

function readPid(root) {
  try {
    return Number(readFileSync(join(root, "redis.pid"), "utf8").trim());
  } catch {
    return undefined;
  }
}

/** Stops the server recorded in `server`, by its PID, if it still runs. */
export async function stopRedis(server) {
  const pid = server.pid ?? (server.root ? readPid(server.root) : undefined);
  if (pid) await stopPid(pid, server.marker, "SIGTERM", 10_000);
}
