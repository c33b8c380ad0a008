import { spawn, spawnSync } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** True when Debian's `radicale` (a CalDAV server) is on PATH. */
export const hasRadicale = spawnSync("radicale", ["--version"], { stdio: "ignore" }).status === 0;

/** A running Radicale on 127.0.0.1 with user `alice` and calendars "Work" and "Home". */
export interface RadicaleServer {
  url: string;
  username: string;
  password: string;
  /** Collection URL of the "Home" calendar. */
  homeUrl: string;
  stop(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function calendar(root: string, user: string, name: string, displayName: string): Promise<void> {
  const dir = join(root, "collection-root", user, name);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, ".Radicale.props"), JSON.stringify({ tag: "VCALENDAR", "D:displayname": displayName }));
}

/** What a hook or test that starts Radicale may take for each start ({@link startRadicale} waits up to 60 s). */
export const RADICALE_START_MS = 120_000;

/**
 * Starts Radicale with a temporary storage folder, a plain-text htpasswd
 * file and two pre-created calendar collections, and waits until it answers.
 * `fixedPort` restarts a server where a stopped one was.
 */
export async function startRadicale(fixedPort?: number): Promise<RadicaleServer> {
  const dir = await mkdtemp(join(tmpdir(), "cortex-radicale-"));
  const storage = join(dir, "collections");
  const username = "alice";
  const password = "s3cret-pa55word";
  await writeFile(join(dir, "users"), `${username}:${password}\n`);
  await calendar(storage, username, "work", "Work");
  await calendar(storage, username, "home", "Home");
  const port = fixedPort ?? (await freePort());
  const config = join(dir, "config");
  await writeFile(
    config,
    [
      "[server]",
      `hosts = 127.0.0.1:${port}`,
      "[auth]",
      "type = htpasswd",
      `htpasswd_filename = ${join(dir, "users")}`,
      "htpasswd_encryption = plain",
      "delay = 0",
      "[rights]",
      "type = owner_only",
      "[storage]",
      `filesystem_folder = ${storage}`,
      "[web]",
      "type = none",
      "[logging]",
      "level = warning",
      "",
    ].join("\n"),
  );
  const child = spawn("radicale", ["--config", config], { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
  let running = true;
  void exited.then(() => (running = false));

  const url = `http://127.0.0.1:${port}/`;
  const stop = async (): Promise<void> => {
    if (running) {
      child.kill("SIGTERM");
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
      if (running) child.kill("SIGKILL");
    }
    await rm(dir, { recursive: true, force: true });
  };
  // Python and Radicale start in a second or two alone; where every package's tests share two cores, far longer.
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (!running) {
      await stop();
      throw new Error(`radicale exited before answering:\n${output}`);
    }
    try {
      await fetch(url, { signal: AbortSignal.timeout(1_000) });
      break;
    } catch {
      if (Date.now() > deadline) {
        await stop();
        throw new Error(`radicale did not answer on ${url} within 60 s:\n${output}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return { url, username, password, homeUrl: `${url}${username}/home/`, stop };
}
