// A throwaway PostgreSQL cluster: initdb into a temp folder, started with
// pg_ctl on 127.0.0.1 and a short unix-socket folder, password auth with a
// generated password. PostgreSQL refuses to run as root, so as root every
// server command runs as the `postgres` user (which Debian's package
// creates) and the folder is handed to that user.
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, chownSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { delimiter, join } from "node:path";
import { MissingPackageError, freePort, run, stopPid, tail } from "./process.mjs";

const PACKAGE = "postgresql";

/** The folder holding initdb, pg_ctl and postgres: `$CORTEX_PG_BINDIR`, Debian's newest `/usr/lib/postgresql/<major>/bin`, or PATH. */
export function postgresBinDir() {
  const has = (dir) => ["initdb", "pg_ctl", "postgres"].every((name) => existsSync(join(dir, name)));
  const given = process.env.CORTEX_PG_BINDIR;
  if (given) {
    if (has(given)) return given;
    throw new MissingPackageError(
      `CORTEX_PG_BINDIR=${given} holds no initdb, pg_ctl and postgres. Fix it, or unset it and install the Debian package: apt-get install postgresql`,
      [PACKAGE],
    );
  }
  const debian = "/usr/lib/postgresql";
  if (existsSync(debian)) {
    const majors = readdirSync(debian)
      .filter((name) => /^\d+$/.test(name))
      .sort((a, b) => Number(b) - Number(a));
    for (const major of majors) if (has(join(debian, major, "bin"))) return join(debian, major, "bin");
  }
  for (const dir of (process.env.PATH ?? "").split(delimiter)) if (dir && has(dir)) return dir;
  throw new MissingPackageError(
    "PostgreSQL server binaries (initdb, pg_ctl, postgres) not found. Install the Debian package: apt-get install postgresql (or set CORTEX_PG_BINDIR)",
    [PACKAGE],
  );
}

function postgresIds() {
  const id = (flag) => spawnSync("id", [flag, "postgres"], { encoding: "utf8" });
  const uid = id("-u");
  const gid = id("-g");
  if (uid.status !== 0 || gid.status !== 0) {
    throw new MissingPackageError(
      "Running as root, PostgreSQL must run as the `postgres` user, which does not exist. Install the Debian package: apt-get install postgresql",
      [PACKAGE],
    );
  }
  return { uid: Number(uid.stdout), gid: Number(gid.stdout) };
}

const asRoot = () => process.getuid?.() === 0;

/** Runs a server binary, as the `postgres` user when we are root, from a folder that user can read. */
function runServerCommand(bin, args, cwd) {
  if (asRoot()) return run("runuser", ["-u", "postgres", "--", bin, ...args], { cwd });
  return run(bin, args, { cwd });
}

/**
 * Settings for a throwaway cluster. Without `durable`, commits are not
 * flushed to disk: the data is thrown away anyway, and tests run faster.
 */
function serverSettings(durable) {
  const settings = ["max_connections=200", "unix_socket_permissions=0700"];
  if (!durable) settings.push("fsync=off", "synchronous_commit=off", "full_page_writes=off");
  return settings.flatMap((setting) => ["-c", setting]);
}

/**
 * Initialises and starts a cluster in `<dir>/pg`; resolves to what `stop`
 * and clients need. `record` is called as soon as there is something to
 * stop, so a failure halfway leaves nothing running that nobody knows of.
 */
export async function startPostgres(dir, { durable = false, record = () => {} } = {}) {
  const bin = postgresBinDir();
  const root = join(dir, "pg");
  const data = join(root, "data");
  const socketDir = join(root, "s");
  const log = join(root, "server.log");
  mkdirSync(socketDir, { recursive: true, mode: 0o700 });
  const password = randomBytes(18).toString("base64url");
  const pwfile = join(root, "pw");
  writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
  if (asRoot()) {
    const { uid, gid } = postgresIds();
    for (const path of [root, socketDir, pwfile]) chownSync(path, uid, gid);
  }
  chmodSync(root, 0o700);
  runServerCommand(
    join(bin, "initdb"),
    [
      "-D",
      data,
      "-U",
      "postgres",
      "--auth=scram-sha-256",
      `--pwfile=${pwfile}`,
      "--locale=C",
      "--encoding=UTF8",
      ...(durable ? [] : ["--no-sync"]),
    ],
    root,
  );
  rmSync(pwfile, { force: true });

  // Known before pg_ctl runs, so a start that fails halfway can still be stopped.
  record({ data, bin });
  let lastError;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const options = ["-k", socketDir, "-h", "127.0.0.1", "-p", String(port), ...serverSettings(durable)].join(" ");
    try {
      runServerCommand(join(bin, "pg_ctl"), ["-D", data, "-l", log, "-w", "-t", "60", "-o", options, "start"], root);
    } catch (error) {
      lastError = new Error(`${error.message}\n--- ${log} ---\n${tail(log)}`);
      // Another process took the port between our check and the server's bind: try another one.
      if (/could not bind|already in use/i.test(tail(log))) continue;
      break;
    }
    const server = {
      pid: postmasterPid(data),
      port,
      data,
      bin,
      url: `postgres://postgres:${password}@127.0.0.1:${port}/postgres`,
    };
    record(server);
    return server;
  }
  throw lastError;
}

function postmasterPid(data) {
  try {
    return Number(readFileSync(join(data, "postmaster.pid"), "utf8").split("\n")[0]);
  } catch {
    return undefined;
  }
}

/** Stops the cluster recorded in `server` (fast shutdown, then by PID), if it still runs. */
export async function stopPostgres(server) {
  const { data, bin } = server;
  const pid = server.pid ?? postmasterPid(data);
  if (existsSync(join(data, "postmaster.pid"))) {
    try {
      runServerCommand(join(bin, "pg_ctl"), ["-D", data, "-m", "fast", "-w", "-t", "20", "stop"], "/");
      return;
    } catch {
      // Fall through: stop it by its PID.
    }
  }
  // SIGQUIT is PostgreSQL's immediate shutdown; its backends follow their postmaster.
  if (pid) await stopPid(pid, data, "SIGQUIT", 10_000);
}
