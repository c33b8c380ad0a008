#!/usr/bin/env node
// Starts and stops the real servers that tests and benchmarks run against
// (PostgreSQL and Redis from Debian's packages), each in a throwaway folder
// on 127.0.0.1, on free ports, with generated passwords.
//
//   start [--only postgres|redis]... [--owner <pid>] [--json] [--durable]
//       Starts the servers (both unless --only), waits until they accept
//       connections, and prints shell exports (or, with --json, one JSON
//       object): CORTEX_SERVICES_DIR, CORTEX_TEST_POSTGRES_URL,
//       CORTEX_TEST_REDIS_URL. With --owner, a detached watchdog stops them
//       when that process ends (so a killed test run leaves nothing behind).
//       --durable keeps PostgreSQL's fsync on (for benchmarks).
//   stop [--dir <dir>]   Stops exactly what `start` started (by recorded PID)
//                        and removes the folder; default $CORTEX_SERVICES_DIR.
//   env [--dir <dir>]    Prints the exports again.
//   sweep                Stops the servers of earlier runs whose owner died.
//
// Exit status: 0 ok, 2 usage, 3 a Debian package is missing (the message
// names it), 1 anything else.
import { spawn } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { postgresBinDir, startPostgres, stopPostgres } from "./postgres.mjs";
import { MissingPackageError, isOurs, isStillRunning, startTimeOf, stopPid } from "./process.mjs";
import { redisBinary, startRedis, stopRedis } from "./redis.mjs";

const SERVICES = ["postgres", "redis"];
const MARKER = "cortex-services";
const PREFIX = "cx-";
const SELF = fileURLToPath(import.meta.url);

/** Where throwaway folders go: short, because a unix-socket path must stay under 108 bytes. */
export function baseDir() {
  return process.env.CORTEX_SERVICES_TMP ?? (existsSync("/tmp") ? "/tmp" : (process.env.TMPDIR ?? "/tmp"));
}

const stateFile = (dir) => join(dir, "services.json");

function readState(dir) {
  try {
    const state = JSON.parse(readFileSync(stateFile(dir), "utf8"));
    return state?.tool === MARKER ? state : undefined;
  } catch {
    return undefined;
  }
}

function writeState(dir, state) {
  writeFileSync(stateFile(dir), `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
}

/** The environment variables a client needs, from a state record. */
export function envOf(dir, state) {
  const env = { CORTEX_SERVICES_DIR: dir };
  if (state.services.postgres) env.CORTEX_TEST_POSTGRES_URL = state.services.postgres.url;
  if (state.services.redis) env.CORTEX_TEST_REDIS_URL = state.services.redis.url;
  return env;
}

const shellQuote = (value) => `'${String(value).replaceAll("'", `'\\''`)}'`;
const exportsOf = (env) =>
  Object.entries(env)
    .map(([name, value]) => `export ${name}=${shellQuote(value)}`)
    .join("\n");

/**
 * Starts the named services in a fresh folder and resolves to
 * `{ dir, env, state }`. Checks every binary first, so a missing package is
 * reported before anything starts; stops what it started when one fails.
 */
export async function startServices({ only = SERVICES, owner, durable = false } = {}) {
  if (only.includes("postgres")) postgresBinDir();
  if (only.includes("redis")) redisBinary();
  await sweep();
  const dir = mkdtempSync(join(baseDir(), PREFIX));
  // Traversable by the `postgres` user; what is inside is each server's own.
  chmodSync(dir, 0o711);
  const state = {
    tool: MARKER,
    createdAt: new Date().toISOString(),
    ownerPid: owner,
    ownerStart: owner === undefined ? undefined : startTimeOf(owner),
    services: {},
  };
  writeState(dir, state);
  const record = (name) => (server) => {
    state.services[name] = server;
    writeState(dir, state);
  };
  try {
    if (only.includes("postgres")) await startPostgres(dir, { durable, record: record("postgres") });
    if (only.includes("redis")) await startRedis(dir, { record: record("redis") });
    if (owner !== undefined) {
      const watchdog = spawn(process.execPath, [SELF, "watch", dir], { detached: true, stdio: "ignore" });
      watchdog.unref();
      state.watchdogPid = watchdog.pid;
      writeState(dir, state);
    }
  } catch (error) {
    await stopServices(dir);
    throw error;
  }
  return { dir, env: envOf(dir, state), state };
}

/** Stops what `start` recorded in `dir` and removes the folder. Safe to call twice, or on a half-started folder. */
export async function stopServices(dir) {
  const state = readState(dir);
  if (state === undefined) return false; // not one of ours: never remove it
  if (state.watchdogPid && state.watchdogPid !== process.pid) await stopPid(state.watchdogPid, dir, "SIGTERM", 2_000);
  const { redis, postgres } = state.services;
  await Promise.all([redis ? stopRedis(redis) : undefined, postgres ? stopPostgres(postgres) : undefined]);
  rmSync(dir, { recursive: true, force: true });
  return true;
}

/** Stops the servers of earlier runs whose owner process has died (a killed test run, a killed CI job). */
export async function sweep() {
  const base = baseDir();
  let names = [];
  try {
    names = readdirSync(base).filter((name) => name.startsWith(PREFIX));
  } catch {
    return;
  }
  for (const name of names) {
    const dir = join(base, name);
    const state = readState(dir);
    if (state?.ownerPid === undefined || isStillRunning(state.ownerPid, state.ownerStart)) continue;
    if (state.watchdogPid && isOurs(state.watchdogPid, dir)) continue; // it is stopping them
    await stopServices(dir);
  }
}

/** The watchdog: stops the services of `dir` once their owner has ended; ends when the folder is gone. */
async function watch(dir) {
  const state = readState(dir);
  if (state?.ownerPid === undefined) return;
  while (existsSync(dir)) {
    if (!isStillRunning(state.ownerPid, state.ownerStart)) {
      await stopServices(dir);
      return;
    }
    await sleep(500);
  }
}

function parse(args) {
  const options = { only: [], json: false, durable: false };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const value = () => {
      const next = args[++i];
      if (next === undefined) throw new UsageError(`${arg} needs a value`);
      return next;
    };
    if (arg === "--only") options.only.push(...value().split(","));
    else if (arg === "--owner") options.owner = Number(value());
    else if (arg === "--dir") options.dir = value();
    else if (arg === "--json") options.json = true;
    else if (arg === "--durable") options.durable = true;
    else throw new UsageError(`unknown option ${arg}`);
  }
  for (const name of options.only) if (!SERVICES.includes(name)) throw new UsageError(`unknown service ${name}`);
  if (options.owner !== undefined && !(Number.isInteger(options.owner) && options.owner > 0))
    throw new UsageError("--owner needs a process id");
  if (options.only.length === 0) options.only = SERVICES;
  return options;
}

class UsageError extends Error {}

function dirOf(options) {
  const dir = options.dir ?? process.env.CORTEX_SERVICES_DIR;
  if (!dir) throw new UsageError("no folder: pass --dir or set CORTEX_SERVICES_DIR (printed by start)");
  if (!basename(dir).startsWith(PREFIX)) throw new UsageError(`${dir} is not a folder made by start`);
  return dir;
}

async function main([command, ...args]) {
  const options = parse(args);
  switch (command) {
    case "start": {
      const { dir, env } = await startServices(options);
      console.log(options.json ? JSON.stringify({ dir, env }) : exportsOf(env));
      console.error(`services started in ${dir}: ${options.only.join(", ")}`);
      return;
    }
    case "stop": {
      const dir = dirOf(options);
      const stopped = await stopServices(dir);
      console.error(stopped ? `services in ${dir} stopped` : `nothing to stop in ${dir}`);
      return;
    }
    case "env": {
      const dir = dirOf(options);
      const state = readState(dir);
      if (!state) throw new Error(`no services recorded in ${dir}`);
      const env = envOf(dir, state);
      console.log(options.json ? JSON.stringify({ dir, env }) : exportsOf(env));
      return;
    }
    case "sweep":
      await sweep();
      return;
    default:
      throw new UsageError(`unknown command ${command ?? "(none)"}`);
  }
}

if (process.argv[1] === SELF) {
  // `watch` takes the folder as a bare argument, which `parse` would refuse.
  const argv = process.argv.slice(2);
  const run = argv[0] === "watch" ? watch(argv[1]) : main(argv);
  run.catch((error) => {
    if (error instanceof UsageError) {
      console.error(`${error.message}\nusage: node scripts/services/services.mjs start|stop|env|sweep [options]`);
      process.exit(2);
    }
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(error instanceof MissingPackageError ? 3 : 1);
  });
}
