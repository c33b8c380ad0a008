import { spawn, type ChildProcess } from "node:child_process";
import { getDefaultEnvironment } from "@modelcontextprotocol/sdk/client/stdio.js";
import { ReadBuffer, serializeMessage } from "@modelcontextprotocol/sdk/shared/stdio.js";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import type { JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";
import { withDeadline } from "@cortex/primitives";

/** How to start a stdio MCP server. */
export interface ChildOptions {
  readonly command: string;
  readonly args: readonly string[];
  /** Added to the SDK's small default environment (HOME, PATH, …), never the whole parent environment. */
  readonly env: Readonly<Record<string, string>>;
  readonly cwd?: string | undefined;
  readonly closeTimeoutMs: number;
  /** Each chunk the child writes to stderr. */
  readonly onStderr: (text: string) => void;
}

// POSIX: the child leads a process group of its own, so closing it also ends
// whatever it started (a shell wrapper's real server, a worker) — no orphans.
const GROUPS = process.platform !== "win32";
const live = new Set<ChildProcess>();
let exitHookInstalled = false;

function signalChild(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    if (GROUPS && child.pid !== undefined) process.kill(-child.pid, signal);
    else child.kill(signal);
  } catch {
    // Already gone (ESRCH): nothing left to signal.
  }
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // The host exits (even through process.exit): end every server it still runs.
  process.on("exit", () => {
    for (const child of live) signalChild(child, "SIGKILL");
  });
}

/**
 * A stdio transport for the MCP client that starts the server in a process
 * group of its own and ends the whole group on close (stdin closed, then
 * SIGTERM, then SIGKILL, each after `closeTimeoutMs`), and on host exit.
 * Messages are framed by the SDK's own stdio reader and writer.
 */
export class ChildProcessTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;
  readonly #options: ChildOptions;
  readonly #buffer = new ReadBuffer();
  #child: ChildProcess | undefined;
  #exited: Promise<void> | undefined;
  #exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;

  constructor(options: ChildOptions) {
    this.#options = options;
  }

  /** The child's pid once started. */
  get pid(): number | undefined {
    return this.#child?.pid;
  }

  /** How the child ended, once it has. */
  get exit(): { code: number | null; signal: NodeJS.Signals | null } | undefined {
    return this.#exit;
  }

  start(): Promise<void> {
    if (this.#child) return Promise.reject(new Error("the server process was started already"));
    installExitHook();
    const { command, args, env, cwd } = this.#options;
    return new Promise((resolve, reject) => {
      const child = spawn(command, [...args], {
        env: { ...getDefaultEnvironment(), ...env },
        cwd,
        stdio: ["pipe", "pipe", "pipe"],
        detached: GROUPS,
        shell: false,
        windowsHide: true,
      });
      this.#child = child;
      this.#exited = new Promise((done) => child.once("close", () => done()));
      child.once("error", (error) => {
        live.delete(child);
        reject(error);
        this.onerror?.(error);
      });
      child.once("spawn", () => {
        live.add(child);
        resolve();
      });
      child.once("exit", (code, signal) => {
        this.#exit = { code, signal };
        live.delete(child);
        // The leader is gone; anything it left in its group goes too.
        if (GROUPS) signalChild(child, "SIGKILL");
      });
      child.once("close", () => {
        this.#child = undefined;
        this.onclose?.();
      });
      child.stdin?.on("error", (error) => this.onerror?.(error));
      child.stdout?.on("error", (error) => this.onerror?.(error));
      child.stdout?.on("data", (chunk: Buffer) => {
        try {
          this.#buffer.append(chunk);
          for (let message = this.#buffer.readMessage(); message !== null; message = this.#buffer.readMessage()) {
            this.onmessage?.(message);
          }
        } catch (error) {
          // A line that is not JSON-RPC: the session cannot be trusted to stay in step.
          this.onerror?.(error instanceof Error ? error : new Error(String(error)));
          void this.close();
        }
      });
      child.stderr?.setEncoding("utf8").on("data", (text: string) => this.#options.onStderr(text));
    });
  }

  send(message: JSONRPCMessage): Promise<void> {
    const stdin = this.#child?.stdin;
    if (!stdin || stdin.destroyed) return Promise.reject(new Error("the server process is not running"));
    // Resolved once the stream takes the message (or drains), not when the OS has it: waiting for
    // the write callback costs a turn of the event loop per message. Write errors reach onerror.
    return new Promise((resolve) => {
      if (stdin.write(serializeMessage(message))) resolve();
      else stdin.once("drain", resolve);
    });
  }

  /** Ends the child and its process group at once (SIGKILL): for a server that stopped answering. */
  async kill(): Promise<void> {
    const child = this.#child;
    if (!child || !this.#exited) return;
    signalChild(child, "SIGKILL");
    await this.#exited;
  }

  /** Ends the child and its process group; resolves once it has exited. */
  async close(): Promise<void> {
    const child = this.#child;
    const exited = this.#exited;
    if (!child || !exited) return;
    const { closeTimeoutMs } = this.#options;
    const gone = () =>
      withDeadline(exited, { timeoutMs: closeTimeoutMs }).then(
        () => true,
        () => false,
      );
    try {
      child.stdin?.end();
    } catch {
      // A broken pipe: the signals below still end it.
    }
    if (!(await gone())) {
      signalChild(child, "SIGTERM");
      if (!(await gone())) {
        signalChild(child, "SIGKILL");
        await exited;
      }
    }
    this.#buffer.clear();
  }
}
