import { isCortexError, messageOf } from "@cortex/primitives";
import type { FastifyRequest } from "fastify";
import type { SessionStore } from "../auth/sessions.js";
import type { DecisionBook, VoteInput } from "../decisions.js";
import { BadRequestError, NotFoundError, UnavailableError } from "../errors.js";
import type { ApprovalLedger } from "../ledger/ledger.js";
import type { PendingFilter, PendingSource } from "../pending.js";
import type { ResolvedRule } from "../policy.js";
import { previewOf, type PreviewSource } from "../preview.js";
import type { RunsFilter, TimelineSource } from "../timeline.js";
import { checkpointView, type PendingView } from "../views.js";
import type { Guard } from "./guard.js";
import { openApiDocument } from "./openapi.js";
import { registerSessionRoutes } from "./session-routes.js";
import type { RouteTable } from "./routes.js";
import type { EventStreams } from "./sse.js";
import * as s from "./schemas.js";
import * as r from "./response-schemas.js";

/** The health of the server's parts, as `GET /api/health` reports it. */
export interface HealthView {
  status: "ok" | "degraded";
  store: { ok: boolean; error?: string };
  ledger: { ok: boolean; seq?: number; error?: string };
  pending: number;
  streams: number;
}

/** What the API's handlers work with. */
export interface ApiContext {
  routes: RouteTable;
  guard: Guard;
  sessions: SessionStore;
  decisions: DecisionBook;
  store: PendingSource;
  ledger: ApprovalLedger;
  timeline: TimelineSource;
  previews: PreviewSource | undefined;
  rules: (plugin: string, action: string, tier: string) => ResolvedRule;
  health: () => Promise<HealthView>;
  previewTimeoutMs: number;
  messageTextLimit: number;
  version: string;
  streams: EventStreams;
}

const json = (description: string, schema: object) => ({ description, schema });

async function listPending(
  context: ApiContext,
  filter: PendingFilter,
): Promise<{ items: PendingView[]; nextCursor?: string }> {
  let page;
  try {
    page = await context.store.listPending(filter);
  } catch (error) {
    if (isCortexError(error) && error.code === "CORTEX_INVALID_OPTIONS") throw new BadRequestError(error.message);
    throw new UnavailableError(`The run store failed: ${messageOf(error)}`, { cause: error });
  }
  const items = await Promise.all(
    page.items.map(async (item): Promise<PendingView> => {
      const rule = context.rules(item.plugin, item.action, item.tier);
      const votes = await context.decisions.votes(item.checkpointId, item.approvalId);
      return {
        ...item,
        expiresAt: new Date(context.decisions.dueAt(item, rule)).toISOString(),
        votes: { approvals: votes.approvals, quorum: rule.quorum },
      };
    }),
  );
  return page.nextCursor === undefined ? { items } : { items, nextCursor: page.nextCursor };
}

/** Registers every API route. */
export function registerApi(context: ApiContext): void {
  const { routes, guard } = context;
  const principalOf = (request: FastifyRequest) => guard.contextOf(request).principal;

  registerSessionRoutes(context);

  routes.add(
    {
      method: "GET",
      url: "/api/checkpoints",
      operationId: "listPending",
      summary: "Checkpoints waiting for a decision, oldest first, with their votes so far",
      tag: "checkpoints",
      auth: "principal",
      querystring: s.pendingQuery,
      responses: { 200: json("A page of pending checkpoints", r.pendingPage) },
    },
    async (request) => listPending(context, request.query as PendingFilter),
  );

  routes.add(
    {
      method: "GET",
      url: "/api/checkpoints/:checkpointId",
      operationId: "getCheckpoint",
      summary: "One waiting checkpoint: the exact call, its preview, its run's context and votes",
      tag: "checkpoints",
      auth: "principal",
      params: s.checkpointParams,
      responses: { 200: json("The checkpoint", r.checkpointView) },
    },
    async (request) => {
      const { checkpointId } = request.params as { checkpointId: string };
      const call = await context.decisions.waiting(checkpointId);
      const [votes, preview] = await Promise.all([
        context.decisions.votes(checkpointId, call.checkpoint.approvalId),
        previewOf(
          context.previews,
          { plugin: call.checkpoint.plugin, action: call.checkpoint.action, params: call.checkpoint.args },
          context.previewTimeoutMs,
        ),
      ]);
      return checkpointView(call, votes, preview, principalOf(request), context.messageTextLimit);
    },
  );

  routes.add(
    {
      method: "POST",
      url: "/api/checkpoints/:checkpointId/decision",
      operationId: "decide",
      summary:
        "Vote to approve or deny the exact call (bound by approvalId); a denial decides, approvals decide at the quorum",
      tag: "checkpoints",
      auth: "principal",
      params: s.checkpointParams,
      body: s.decisionBody,
      responses: { 200: json("The vote was recorded", r.voteResult) },
    },
    async (request) => {
      const { checkpointId } = request.params as { checkpointId: string };
      return context.decisions.vote(principalOf(request), checkpointId, request.body as VoteInput);
    },
  );

  routes.add(
    {
      method: "GET",
      url: "/api/runs",
      operationId: "listRuns",
      summary: "Runs from the audit trail, most recently started first",
      tag: "runs",
      auth: "principal",
      querystring: s.runsQuery,
      responses: { 200: json("A page of runs", r.runsPage) },
    },
    async (request) => {
      await context.timeline.refresh();
      return context.timeline.runs(request.query as RunsFilter);
    },
  );

  routes.add(
    {
      method: "GET",
      url: "/api/runs/:runId",
      operationId: "getRun",
      summary: "One run and its timeline (its audit records, oldest first)",
      tag: "runs",
      auth: "principal",
      params: s.runParams,
      responses: { 200: json("The run", r.runView) },
    },
    async (request) => {
      const { runId } = request.params as { runId: string };
      await context.timeline.refresh();
      const found = context.timeline.timeline(runId);
      if (found === undefined) throw new NotFoundError(`The audit trail has no run ${runId}`);
      return found;
    },
  );

  routes.add(
    {
      method: "GET",
      url: "/api/ledger",
      operationId: "listLedger",
      summary: "Ledger records, newest first, and the ledger's head",
      tag: "ledger",
      auth: "principal",
      querystring: s.ledgerQuery,
      responses: { 200: json("A page of records", r.ledgerPage) },
    },
    async (request) => {
      const page = await context.ledger.list(request.query as { before?: number; limit?: number });
      return { ...page, head: await context.ledger.head() };
    },
  );

  routes.add(
    {
      method: "GET",
      url: "/api/ledger/verify",
      operationId: "verifyLedger",
      summary: "Reads the whole ledger and reports the first edited, removed, reordered, forged or cut-off record",
      tag: "ledger",
      auth: "principal",
      responses: { 200: json("The verification report", r.verification) },
    },
    () => context.ledger.verify(),
  );

  routes.add(
    {
      method: "GET",
      url: "/api/health",
      operationId: "health",
      summary: "Whether the run store and the ledger answer",
      tag: "server",
      auth: "principal",
      responses: { 200: json("Health", r.health) },
    },
    () => context.health(),
  );

  routes.add(
    {
      method: "GET",
      url: "/api/openapi.json",
      operationId: "openapi",
      summary: "This document",
      tag: "server",
      auth: "principal",
      responses: { 200: { description: "The OpenAPI 3.1 document" } },
    },
    () => Promise.resolve(openApiDocument(routes.specs, context.version)),
  );

  routes.add(
    {
      method: "GET",
      url: "/api/events",
      operationId: "events",
      summary: "Server-sent events: pending, votes, run and ledger, each a hint to fetch again",
      tag: "server",
      auth: "principal",
      responses: {
        200: { description: "An event stream", contentType: "text/event-stream", schema: { type: "string" } },
      },
    },
    context.streams.handle,
  );
}
