import { SERVER_DEFAULTS } from "../defaults.js";

// JSON Schemas of the API's requests, used both to validate them (Fastify)
// and to write the OpenAPI document, so the two cannot drift apart.

const str = { type: "string" } as const;

/** `{ code, message }` of every error response. */
export const errorSchema = {
  type: "object",
  required: ["error"],
  properties: {
    error: {
      type: "object",
      required: ["code", "message"],
      properties: {
        code: str,
        message: str,
        issues: { type: "array", items: { type: "object", properties: { path: str, message: str } } },
      },
    },
  },
} as const;

const limit = { type: "integer", minimum: 1, maximum: SERVER_DEFAULTS.maxPageSize } as const;

/** Query of `GET /api/checkpoints`. */
export const pendingQuery = {
  type: "object",
  additionalProperties: false,
  properties: { agentId: str, plugin: str, tier: { type: "string", enum: ["CONFIRM", "ADMIN"] }, after: str, limit },
} as const;

/** Path of the checkpoint routes. */
export const checkpointParams = {
  type: "object",
  required: ["checkpointId"],
  properties: { checkpointId: { type: "string", minLength: 1, maxLength: 200 } },
} as const;

/** Path of `GET /api/runs/{runId}`. */
export const runParams = {
  type: "object",
  required: ["runId"],
  properties: { runId: { type: "string", minLength: 1, maxLength: 200 } },
} as const;

/** Query of `GET /api/runs`. */
export const runsQuery = {
  type: "object",
  additionalProperties: false,
  properties: {
    status: { type: "string", enum: ["running", "awaiting_approval", "completed", "failed"] },
    agentId: str,
    before: { type: "integer", minimum: 1 },
    limit,
  },
} as const;

/** Query of `GET /api/ledger`. */
export const ledgerQuery = {
  type: "object",
  additionalProperties: false,
  properties: { before: { type: "integer", minimum: 1 }, limit },
} as const;

/** Body of `POST /api/session`. */
export const signInBody = {
  type: "object",
  additionalProperties: false,
  required: ["token"],
  properties: { token: { type: "string", minLength: 1, maxLength: 4096 } },
} as const;

/** Body of `POST /api/checkpoints/{id}/decision`. */
export const decisionBody = {
  type: "object",
  additionalProperties: false,
  required: ["decision", "approvalId"],
  properties: {
    decision: { type: "string", enum: ["approve", "deny"] },
    reason: { type: "string", maxLength: SERVER_DEFAULTS.maxReasonLength },
    approvalId: { type: "string", pattern: "^[0-9a-f]{64}$" },
  },
} as const;
