import { readFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { consoleLogger, guardedLogger, isCortexError, startTimer } from "@cortex/primitives";
import Fastify, { type FastifyInstance } from "fastify";
import { FailureLimiter, SessionStore } from "./auth/sessions.js";
import { TokenTable } from "./auth/tokens.js";
import { DecisionBook } from "./decisions.js";
import { SERVER_DEFAULTS } from "./defaults.js";
import { NotFoundError } from "./errors.js";
import { EventHub } from "./events.js";
import { registerApi, type HealthView } from "./http/api.js";
import { Guard } from "./http/guard.js";
import { sendError, SECURITY_HEADERS } from "./http/replies.js";
import { RouteTable } from "./http/routes.js";
import { EventStreams } from "./http/sse.js";
import { loadWebFiles } from "./http/static.js";
import { resolveServerOptions, type ApprovalServerOptions } from "./options.js";
import { PendingWatcher } from "./pending.js";
import { compilePolicy } from "./policy.js";

/** A running approval inbox. */
export interface ApprovalServer {
  /** The Fastify instance (for `inject` in tests, or to add routes). */
  readonly app: FastifyInstance;
  /** `http://host:port` once listening. */
  readonly url: string | undefined;
  /** Starts listening on the configured host and port; resolves to the URL. */
  listen(): Promise<string>;
  /** Lists pending checkpoints now: live updates, expiry and recovery (also done every `pollIntervalMs`). */
  poll(): Promise<void>;
  /** Stops polling, ends event streams, stops listening and waits (up to 10 s) for runs being resumed. The store and ledger stay open: they are yours. */
  close(): Promise<void>;
}

const VERSION = (JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string })
  .version;

/**
 * Creates the approval inbox: a JSON API (with its OpenAPI document at
 * `/api/openapi.json`) and a web page, over a run store shared with the app
 * that runs the agents. Every API request is authenticated; votes go to
 * the ledger; decisions resume runs through the engine or the decider.
 * Call `listen()` to serve.
 */
export async function createApprovalServer(options: ApprovalServerOptions): Promise<ApprovalServer> {
  const o = resolveServerOptions(options);
  const logger = guardedLogger(options.logger ?? consoleLogger);
  const now = options.now ?? Date.now;
  const rules = compilePolicy(options.policy);
  const sessions = new SessionStore({ idleMs: o.idleMs, maxMs: o.maxMs, max: SERVER_DEFAULTS.maxSessions, now });
  const guard = new Guard({
    tokens: new TokenTable(options.principals),
    sessions,
    limiter: new FailureLimiter(o.authFailuresPerMinute, now),
    allowedHosts: options.allowedHosts ?? [],
    cookieName: SERVER_DEFAULTS.cookieName,
    csrfHeader: SERVER_DEFAULTS.csrfHeader,
    secureCookies: options.secureCookies,
  });
  const events = new EventHub(logger);
  const pending = new PendingWatcher(options.store);
  const { ledger, store } = options;
  const decisions = new DecisionBook({ store, pending, ledger, rules, decider: o.decider, events, logger, now });
  const streams = new EventStreams(events, {
    heartbeatMs: SERVER_DEFAULTS.heartbeatMs,
    maxStreams: SERVER_DEFAULTS.maxEventStreams,
    stillValid: (request) => {
      const { session } = guard.contextOf(request);
      return session === undefined || sessions.isLive(session);
    },
  });
  const web = await loadWebFiles();

  const app = Fastify({ logger: false, bodyLimit: SERVER_DEFAULTS.bodyLimitBytes, return503OnClosing: true });
  app.removeContentTypeParser("text/plain");
  app.addHook("onRequest", (request) =>
    Promise.resolve().then(() => {
      guard.checkHost(request);
      if ((request.routeOptions.config as { auth?: string }).auth === "principal") guard.authenticate(request);
    }),
  );
  app.addHook("onSend", async (request, reply, payload) => {
    void reply.headers(SECURITY_HEADERS);
    void reply.header("cache-control", request.url.startsWith("/api/") ? "no-store" : "no-cache");
    return payload;
  });
  app.setErrorHandler((error, _request, reply) => sendError(reply, error, logger));
  app.setNotFoundHandler((request, reply) =>
    sendError(reply, new NotFoundError(`No route ${request.method} ${request.url.split("?")[0]}`), logger),
  );

  let lastPoll: { ok: true } | { ok: false; error: string } = { ok: true };
  let ledgerSeq = -1;
  const health = async (): Promise<HealthView> => {
    let ledgerHealth: HealthView["ledger"];
    try {
      ledgerHealth = { ok: true, seq: (await ledger.head()).seq };
    } catch (error) {
      ledgerHealth = { ok: false, error: isCortexError(error) ? error.code : "error" };
    }
    const storeHealth = lastPoll.ok ? { ok: true } : { ok: false, error: lastPoll.error };
    return {
      status: storeHealth.ok && ledgerHealth.ok ? "ok" : "degraded",
      store: storeHealth,
      ledger: ledgerHealth,
      pending: pending.items.length,
      streams: streams.size,
    };
  };

  registerApi({
    routes: new RouteTable(app),
    guard,
    sessions,
    decisions,
    store,
    ledger,
    timeline: o.timeline,
    previews: o.previews,
    rules,
    health,
    previewTimeoutMs: o.previewTimeoutMs,
    messageTextLimit: SERVER_DEFAULTS.messageTextLimit,
    version: VERSION,
    streams,
  });
  app.route({
    method: "GET",
    url: "/*",
    config: { auth: "none" },
    handler: async (request, reply) => {
      const path = request.url.split("?")[0]!;
      const file = web.get(path === "/" ? "/index.html" : path);
      if (file === undefined) throw new NotFoundError(`No page ${path}`);
      return reply.type(file.type).send(file.body);
    },
  });

  const poll = async (): Promise<void> => {
    let change;
    try {
      change = await pending.refresh();
      lastPoll = { ok: true };
    } catch (error) {
      lastPoll = { ok: false, error: isCortexError(error) ? error.code : "error" };
      logger.warn("could not list pending checkpoints", { error });
      return;
    }
    if (change.added.length > 0 || change.removed.length > 0)
      events.publish({
        type: "pending",
        added: change.added.map((item) => item.checkpointId),
        removed: change.removed,
      });
    await decisions.expireDue(change.items);
    await decisions
      .recover(change.items)
      .catch((error: unknown) => logger.warn("could not recover decisions", { error }));
    const runs = await o.timeline.refresh().catch((error: unknown) => {
      logger.warn("could not read the audit trail", { error });
      return [];
    });
    for (const runId of runs) {
      const found = o.timeline.timeline(runId);
      if (found) events.publish({ type: "run", runId, status: found.run.status });
    }
    const seq = await ledger.head().then(
      (head) => head.seq,
      () => ledgerSeq,
    );
    if (seq !== ledgerSeq && ledgerSeq !== -1) events.publish({ type: "ledger", seq });
    ledgerSeq = seq;
  };

  let stopped = false;
  let cancel = (): void => undefined;
  let cycle: Promise<void> = Promise.resolve();
  const schedule = (): void => {
    cancel = startTimer(
      o.pollIntervalMs,
      () => {
        cycle = poll().finally(() => {
          if (!stopped) schedule();
        });
      },
      { unref: true },
    );
  };
  await poll();
  schedule();

  let url: string | undefined;
  return {
    app,
    get url() {
      return url;
    },
    async listen() {
      await app.listen({ host: o.host, port: o.port });
      const address = app.server.address() as AddressInfo;
      const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
      url = `http://${host}:${address.port}`;
      return url;
    },
    poll: () => (stopped ? Promise.resolve() : poll()),
    async close() {
      stopped = true;
      cancel();
      streams.closeAll();
      await app.close();
      await cycle.catch(() => undefined);
      await decisions.settle(SERVER_DEFAULTS.closeTimeoutMs);
    },
  };
}
