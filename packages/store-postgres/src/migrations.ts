import { createHash } from "node:crypto";

/**
 * One versioned step of the schema. `sql` uses `{schema}` for the quoted
 * schema name; its checksum is taken before that is filled in, so the same
 * migration has the same checksum in every schema. A migration, once
 * released, never changes: a new shape is a new migration.
 */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

// The predicate of a run that is paused at a checkpoint nobody has taken yet.
const PENDING = "checkpoint_id IS NOT NULL AND claim_token IS NULL";

/** Every migration, in order. */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "runs and parallel orchestrations",
    sql: `
CREATE TABLE {schema}.runs (
  run_id        text PRIMARY KEY,
  agent_id      text NOT NULL,
  status        text NOT NULL,
  state         jsonb NOT NULL,
  session_id    text,
  -- Set while the run is paused at a checkpoint (status awaiting_approval), from its state.
  checkpoint_id text COLLATE "C" UNIQUE,
  plugin        text,
  action        text,
  tier          text,
  paused_at     timestamptz,
  expires_at    timestamptz,
  -- Set by the claim that took the checkpoint (or by expiry); a new save clears it.
  claim_token   text,
  claimed_at    timestamptz,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT runs_paused_at_checkpoint CHECK ((checkpoint_id IS NULL) = (paused_at IS NULL))
);
CREATE INDEX runs_pending ON {schema}.runs (paused_at, checkpoint_id) WHERE ${PENDING};
CREATE INDEX runs_pending_by_agent ON {schema}.runs (agent_id, paused_at, checkpoint_id) WHERE ${PENDING};
CREATE INDEX runs_pending_by_plugin ON {schema}.runs (plugin, paused_at, checkpoint_id) WHERE ${PENDING};
CREATE INDEX runs_expiring ON {schema}.runs (expires_at) WHERE ${PENDING} AND expires_at IS NOT NULL;
CREATE INDEX runs_claimed ON {schema}.runs (claim_token) WHERE claim_token IS NOT NULL;
CREATE INDEX runs_by_session ON {schema}.runs (session_id) WHERE session_id IS NOT NULL;

CREATE TABLE {schema}.parallel_orchestrations (
  orchestration_id text PRIMARY KEY,
  agents           jsonb NOT NULL,
  agent_count      integer NOT NULL,
  started_at       bigint NOT NULL,
  -- Slot number (as text) to the summary of its ended run, and to the checkpoint of its paused run.
  done             jsonb NOT NULL DEFAULT '{}',
  paused           jsonb NOT NULL DEFAULT '{}',
  -- The token of the one update that ended the last slot.
  completed_by     text,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now()
);
`,
  },
  {
    version: 2,
    name: "sessions, tool-call journal and approval ledger",
    sql: `
CREATE TABLE {schema}.sessions (
  session_id text PRIMARY KEY,
  agent_id   text,
  state      jsonb NOT NULL,
  -- Raised by every write, so a writer can refuse to overwrite a newer session (compare and set).
  version    bigint NOT NULL DEFAULT 1,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz
);
CREATE INDEX sessions_expiring ON {schema}.sessions (expires_at) WHERE expires_at IS NOT NULL;

-- One row per tool call a run makes, written before the call runs and after it ends, so a call
-- whose worker died in between is known, and is not run again unless its action is idempotent.
CREATE TABLE {schema}.tool_calls (
  run_id       text NOT NULL,
  step_index   integer NOT NULL,
  call_id      text NOT NULL,
  tool_name    text NOT NULL,
  plugin       text NOT NULL,
  action       text NOT NULL,
  tier         text NOT NULL,
  args         jsonb NOT NULL,
  approval_id  text,
  idempotent   boolean NOT NULL DEFAULT false,
  status       text NOT NULL CHECK (status IN ('started', 'finished', 'interrupted')),
  attempts     integer NOT NULL DEFAULT 1,
  worker_id    text,
  result       jsonb,
  started_at   timestamptz NOT NULL DEFAULT now(),
  finished_at  timestamptz,
  PRIMARY KEY (run_id, step_index, call_id)
);
CREATE INDEX tool_calls_unfinished ON {schema}.tool_calls (started_at) WHERE status = 'started';

-- One decision per checkpoint; an approval is used at most once (used_at).
CREATE TABLE {schema}.approvals (
  checkpoint_id text COLLATE "C" PRIMARY KEY,
  approval_id   text NOT NULL,
  run_id        text NOT NULL,
  plugin        text NOT NULL,
  action        text NOT NULL,
  tier          text NOT NULL,
  args          jsonb NOT NULL,
  approved      boolean NOT NULL,
  decided_by    text,
  reason        text,
  decided_at    timestamptz NOT NULL DEFAULT now(),
  used_at       timestamptz
);
CREATE INDEX approvals_by_run ON {schema}.approvals (run_id);
CREATE INDEX approvals_by_approval_id ON {schema}.approvals (approval_id);
`,
  },
  {
    version: 3,
    name: "run fences",
    sql: `
-- The fencing token of each run a leased driver (a queue worker's job) drives: every new driver raises it,
-- and a fenced save or claim carrying a lower token is refused, so a driver whose lease was taken over
-- can no longer write the run. Saves without a token (an engine with no lease) never read it.
CREATE TABLE {schema}.run_fences (
  run_id     text PRIMARY KEY,
  fence      bigint NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);
`,
  },
];

/** The schema version this package needs (and `migrate()` brings a database to). */
export const SCHEMA_VERSION = MIGRATIONS.at(-1)!.version;

/** The checksum recorded for a migration when it is applied. */
export const checksumOf = (migration: Migration): string =>
  createHash("sha256").update(migration.sql).digest("hex").slice(0, 32);

/** The migration's SQL for one schema; `quoted` is the already quoted schema name. */
export const sqlFor = (migration: Migration, quoted: string): string => migration.sql.replaceAll("{schema}", quoted);
