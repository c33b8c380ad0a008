import { setTimeout as sleep } from "node:timers/promises";
import { silentLogger } from "@cortex/primitives";
import {
  createApprovalServer,
  hashToken,
  JsonlLedger,
  newToken,
  type ApprovalLedger,
  type ApprovalServer,
  type ApprovalServerOptions,
  type PrincipalEntry,
  type VoteResult,
} from "../../src/index.js";
import type { TestApp } from "./app.js";

/** A server key for tests (32 bytes of text). */
export const KEY = "k".repeat(16) + "test-server-key!";

/** The test principals: three admins, an approver and a viewer, each with a fresh token. */
export const PEOPLE = {
  alice: { roles: ["admin"], token: newToken() },
  bob: { roles: ["admin"], token: newToken() },
  carol: { roles: ["admin"], token: newToken() },
  april: { roles: ["approver"], token: newToken() },
  victor: { roles: ["viewer"], token: newToken() },
} as const;

/** A principal's name. */
export type Person = keyof typeof PEOPLE;

/** The principals entries (token hashes only) of {@link PEOPLE}. */
export const PRINCIPALS: PrincipalEntry[] = Object.entries(PEOPLE).map(([id, person]) => ({
  id,
  roles: [...person.roles],
  tokenSha256: hashToken(person.token),
}));

/** The principal `{ id, roles }` of a person, as a run acts for it. */
export const principal = (person: Person) => ({ id: person, roles: [...PEOPLE[person].roles] });

/** A running server for a test app, on a free loopback port. */
export interface Running {
  server: ApprovalServer;
  url: string;
  ledger: ApprovalLedger;
  close(): Promise<void>;
}

/** Starts an approval server over the app's store, resuming through a second engine (as another process would). */
export async function startServer(app: TestApp, options: Partial<ApprovalServerOptions> = {}): Promise<Running> {
  const ledger = options.ledger ?? new JsonlLedger({ path: app.ledgerPath, key: KEY });
  const side = app.side();
  const server = await createApprovalServer({
    store: app.store,
    ledger,
    principals: PRINCIPALS,
    audit: [app.auditPath],
    port: 0,
    pollIntervalMs: 100,
    logger: silentLogger,
    ...(options.decider ? {} : { engine: side.engine, previews: side.previews }),
    ...options,
  });
  const url = await server.listen();
  return { server, url, ledger, close: () => server.close() };
}

/** The body of an error response. */
export interface ErrorReply {
  error: { code: string; message: string; issues?: { path: string; message: string }[] };
}

/** What a request got back: `body` is the JSON of type `T`, or of an error. */
export interface Reply<T> {
  status: number;
  body: T & Partial<ErrorReply>;
  headers: Headers;
  text: string;
}

/** Sends a request to the server; `as` signs it with a person's bearer token. */
export async function call<T = Record<string, unknown>>(
  url: string,
  path: string,
  options: { as?: Person; token?: string; method?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<Reply<T>> {
  const headers: Record<string, string> = { ...options.headers };
  const token = options.token ?? (options.as ? PEOPLE[options.as].token : undefined);
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  if (options.body !== undefined) headers["content-type"] ??= "application/json";
  const response = await fetch(`${url}${path}`, {
    method: options.method ?? "GET",
    headers,
    body:
      options.body === undefined
        ? undefined
        : typeof options.body === "string"
          ? options.body
          : JSON.stringify(options.body),
  });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: response.status, body: body as T & Partial<ErrorReply>, headers: response.headers, text };
}

/** A person's vote through the API (bearer token). */
export const vote = (url: string, as: Person, checkpointId: string, body: Record<string, unknown>) =>
  call<VoteResult>(url, `/api/checkpoints/${checkpointId}/decision`, { as, method: "POST", body });

/**
 * How long a test waits for something the server does in the background (a resume, an expiry, a
 * file written): it polls, so only a failure waits this long, and a loaded machine can take seconds.
 */
export const WAIT_MS = 30_000;

/** Waits until `check` returns something other than undefined/false, polling every 25 ms. */
export async function waitFor<T>(
  check: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = WAIT_MS,
  what = "the condition",
): Promise<T> {
  const due = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > due) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

export { silentLogger };
