// JSON Schemas of the API's responses, for the OpenAPI document (and the
// test that checks live responses against it).

const str = { type: "string" } as const;
const nullableStr = { type: ["string", "null"] } as const;
const int = { type: "integer" } as const;
const anyJson = {} as const;
const stringList = { type: "array", items: str } as const;
const principal = { type: "object", required: ["id", "roles"], properties: { id: str, roles: stringList } } as const;

/** Answer of the session routes. */
export const sessionResponse = {
  type: "object",
  required: ["principal", "csrfToken", "expiresAt"],
  properties: {
    principal,
    csrfToken: {
      ...nullableStr,
      description: "Send it in x-csrf-token on state-changing requests; null with a bearer token.",
    },
    expiresAt: { ...nullableStr, description: "When the session ends at the latest; null with a bearer token." },
  },
} as const;

const votesSummary = {
  type: "object",
  required: ["approvals", "quorum"],
  properties: { approvals: stringList, quorum: int },
} as const;

const pendingItem = {
  type: "object",
  required: [
    "checkpointId",
    "runId",
    "agentId",
    "plugin",
    "action",
    "tier",
    "params",
    "approvalId",
    "createdAt",
    "expiresAt",
    "votes",
  ],
  properties: {
    checkpointId: str,
    runId: str,
    agentId: str,
    plugin: str,
    action: str,
    tier: str,
    params: { type: "object" },
    approvalId: str,
    createdAt: str,
    expiresAt: { ...str, description: "When the server denies it as expired." },
    votes: votesSummary,
  },
} as const;

/** Answer of `GET /api/checkpoints`. */
export const pendingPage = {
  type: "object",
  required: ["items"],
  properties: { items: { type: "array", items: pendingItem }, nextCursor: str },
} as const;

const preview = {
  description:
    "The plugin's preview: `{ preview }`, `{ error }` when it failed, `{ none: true }` when the plugin offers none.",
  type: "object",
  properties: {
    preview: { type: "object", required: ["summary"], properties: { summary: str, diff: str, details: anyJson } },
    error: { type: "object", properties: { code: str, message: str } },
    none: { type: "boolean" },
  },
} as const;

const message = {
  type: "object",
  required: ["role"],
  properties: {
    role: str,
    content: str,
    name: str,
    toolCalls: { type: "array", items: { type: "object", properties: { name: str, arguments: anyJson } } },
  },
} as const;

const vote = {
  type: "object",
  required: ["seq", "principal", "decision", "reason", "at"],
  properties: { seq: int, principal: str, decision: str, reason: nullableStr, at: str },
} as const;

/** Answer of `GET /api/checkpoints/{id}`. */
export const checkpointView = {
  type: "object",
  required: ["checkpoint", "rule", "votes", "you", "preview", "run"],
  properties: {
    checkpoint: {
      type: "object",
      required: [
        "checkpointId",
        "runId",
        "agentId",
        "plugin",
        "action",
        "tier",
        "params",
        "approvalId",
        "reason",
        "createdAt",
        "expiresAt",
      ],
      properties: {
        checkpointId: str,
        runId: str,
        agentId: str,
        plugin: str,
        action: str,
        tier: str,
        params: { type: "object" },
        approvalId: str,
        reason: str,
        createdAt: str,
        expiresAt: str,
      },
    },
    rule: {
      type: "object",
      required: ["quorum", "roles", "selfApproval"],
      properties: { quorum: int, roles: stringList, selfApproval: { type: "boolean" } },
    },
    votes: {
      type: "object",
      required: ["approvals", "quorum", "list"],
      properties: { ...votesSummary.properties, list: { type: "array", items: vote } },
    },
    you: {
      type: "object",
      required: ["canApprove", "canDeny"],
      properties: { canApprove: { type: "boolean" }, canDeny: { type: "boolean" }, why: str, voted: str },
    },
    preview,
    run: {
      type: "object",
      required: ["runId", "agentId", "principal", "input", "steps", "messages"],
      properties: {
        runId: str,
        agentId: str,
        principal: { anyOf: [principal, { type: "null" }] },
        input: nullableStr,
        steps: int,
        messages: { type: "array", items: message },
      },
    },
  },
} as const;

/** Answer of `POST /api/checkpoints/{id}/decision`. */
export const voteResult = {
  type: "object",
  required: ["checkpointId", "approvalId", "status", "approvals", "quorum", "voteSeq"],
  properties: {
    checkpointId: str,
    approvalId: str,
    status: { type: "string", enum: ["pending", "approved", "denied"] },
    approvals: stringList,
    quorum: int,
    voteSeq: int,
    decisionSeq: int,
  },
} as const;

const runSummary = {
  type: "object",
  required: ["runId", "status", "lastEventAt", "steps", "events"],
  properties: {
    runId: str,
    agentId: str,
    status: str,
    startedAt: str,
    endedAt: str,
    lastEventAt: str,
    steps: int,
    events: int,
    checkpointId: str,
  },
} as const;

/** Answer of `GET /api/runs`. */
export const runsPage = {
  type: "object",
  required: ["items"],
  properties: { items: { type: "array", items: runSummary }, nextBefore: int },
} as const;

/** Answer of `GET /api/runs/{runId}`. */
export const runView = {
  type: "object",
  required: ["run", "events"],
  properties: {
    run: runSummary,
    events: {
      type: "array",
      items: {
        type: "object",
        required: ["at", "action", "outcome"],
        properties: {
          at: str,
          hook: str,
          action: str,
          resource: str,
          resourceId: str,
          outcome: str,
          severity: str,
          reason: str,
          metadata: { type: "object" },
        },
      },
    },
  },
} as const;

const ledgerRecord = {
  type: "object",
  required: ["v", "seq", "prev", "at", "kind", "hash"],
  properties: {
    v: int,
    seq: int,
    prev: str,
    at: str,
    kind: { type: "string", enum: ["vote", "decision", "repair"] },
    checkpointId: str,
    approvalId: str,
    runId: str,
    agentId: str,
    plugin: str,
    action: str,
    tier: str,
    principal: { anyOf: [principal, { type: "null" }] },
    decision: str,
    reason: nullableStr,
    approvals: stringList,
    quorum: int,
    removedBytes: int,
    removedSha256: str,
    kid: str,
    hash: str,
    mac: str,
  },
} as const;

const head = { type: "object", required: ["seq", "hash"], properties: { seq: int, hash: str, mac: str } } as const;

/** Answer of `GET /api/ledger`. */
export const ledgerPage = {
  type: "object",
  required: ["items", "head"],
  properties: { items: { type: "array", items: ledgerRecord }, nextBefore: int, head },
} as const;

/** Answer of `GET /api/ledger/verify`. */
export const verification = {
  type: "object",
  required: ["ok", "records", "lastSeq", "lastHash", "signed", "warnings"],
  properties: {
    ok: { type: "boolean" },
    records: int,
    lastSeq: int,
    lastHash: str,
    signed: { type: "boolean" },
    problem: {
      type: "object",
      required: ["code", "message"],
      properties: { code: str, seq: int, line: int, message: str },
    },
    warnings: stringList,
  },
} as const;

/** Answer of `GET /api/health`. */
export const health = {
  type: "object",
  required: ["status", "store", "ledger", "pending", "streams"],
  properties: {
    status: { type: "string", enum: ["ok", "degraded"] },
    store: { type: "object", required: ["ok"], properties: { ok: { type: "boolean" }, error: str } },
    ledger: { type: "object", required: ["ok"], properties: { ok: { type: "boolean" }, seq: int, error: str } },
    pending: int,
    streams: int,
  },
} as const;
