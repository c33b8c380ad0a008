import { InvalidOptionsError, isLogger, type Logger } from "@cortex/primitives";
import type { PrincipalEntry } from "./auth/tokens.js";
import { engineDecider, type Decider, type ResumingEngine } from "./deciders.js";
import { SERVER_DEFAULTS } from "./defaults.js";
import type { ApprovalLedger } from "./ledger/ledger.js";
import { checkPendingSource, type PendingSource } from "./pending.js";
import type { ApprovalPolicy } from "./policy.js";
import type { PreviewSource } from "./preview.js";
import { AuditTimeline, type TimelineSource } from "./timeline.js";

/** Options of `createApprovalServer`. Only `store`, `ledger`, `principals` and one of `engine` and `decider` are required. */
export interface ApprovalServerOptions {
  /** Where paused runs are: a run store with `listPending` and `load` (shared with the app that runs the agents). */
  store: PendingSource;
  /** An engine sharing `store` with the app (same agents, plugins, model): decisions resume runs here. Its registry also gives previews. */
  engine?: ResumingEngine & { plugins?: object };
  /** Instead of `engine`: what carries decisions out, e.g. `queueDecider(enqueue)` to hand resumes to workers. */
  decider?: Decider;
  /** Where votes, decisions and expiries are recorded: `JsonlLedger` or `PostgresLedger`. */
  ledger: ApprovalLedger;
  /** Who may sign in: ids, roles and token hashes (`loadPrincipals`, `hashToken`). */
  principals: readonly PrincipalEntry[];
  /** Quorums, voting roles and expiry, per tier, plugin or action. */
  policy?: ApprovalPolicy;
  /**
   * Previews of calls: a plugin registry (or any object) whose
   * `preview(plugin, action, params)` is used when it has one; default the
   * engine's registry.
   */
  previews?: PreviewSource | object;
  /** Runs and timelines: audit files written by `JsonLinesAuditRecorder`, or any `TimelineSource`. */
  audit?: readonly string[] | TimelineSource;
  /** Address to bind. Default `127.0.0.1`. */
  host?: string;
  /** Port to bind; 0 picks a free one. Default 4747. */
  port?: number;
  /** Host names the server answers for beside loopback (e.g. behind a proxy: `"inbox.example.com"`). */
  allowedHosts?: readonly string[];
  /** Mark the session cookie Secure. Default: when the request came over HTTPS. */
  secureCookies?: boolean;
  /** How often the run store is listed for live updates, expiry and recovery. Default 1000 ms. */
  pollIntervalMs?: number;
  /** How long a preview may take. Default 5000 ms. */
  previewTimeoutMs?: number;
  /** Web sessions end after `idleMs` without a request (default 30 min) and `maxMs` after sign-in (default 12 h). */
  sessions?: { idleMs?: number; maxMs?: number };
  /** Failed sign-ins or bad tokens one address may make per minute. Default 10. */
  authFailuresPerMinute?: number;
  /** Where failures are logged (stderr by default). */
  logger?: Logger;
  /** The clock, in epoch ms; for tests. */
  now?: () => number;
}

/** Options after checking, with defaults filled in. */
export interface ResolvedServerOptions {
  decider: Decider;
  previews: PreviewSource | undefined;
  timeline: TimelineSource;
  host: string;
  port: number;
  pollIntervalMs: number;
  previewTimeoutMs: number;
  idleMs: number;
  maxMs: number;
  authFailuresPerMinute: number;
}

function positive(name: string, value: number | undefined, fallback: number): number {
  const resolved = value ?? fallback;
  if (typeof resolved !== "number" || !(resolved > 0) || !Number.isFinite(resolved))
    throw new InvalidOptionsError(name, `createApprovalServer: ${name} must be a number > 0; got ${String(value)}`);
  return resolved;
}

/** Checks the options (every problem is `CORTEX_INVALID_OPTIONS`) and fills in the defaults. */
export function resolveServerOptions(options: ApprovalServerOptions): ResolvedServerOptions {
  if (typeof options !== "object" || options === null)
    throw new InvalidOptionsError("options", "createApprovalServer needs options");
  checkPendingSource(options.store);
  if (typeof options.ledger?.append !== "function")
    throw new InvalidOptionsError(
      "ledger",
      "createApprovalServer: ledger must be an ApprovalLedger (JsonlLedger or PostgresLedger)",
    );
  if ((options.engine === undefined) === (options.decider === undefined))
    throw new InvalidOptionsError("decider", "createApprovalServer: give exactly one of engine and decider");
  if (options.decider !== undefined && typeof options.decider.resume !== "function")
    throw new InvalidOptionsError("decider", "createApprovalServer: decider must have resume(job)");
  if (options.logger !== undefined && !isLogger(options.logger))
    throw new InvalidOptionsError("logger", "createApprovalServer: logger needs debug, info, warn and error functions");
  const port = options.port ?? SERVER_DEFAULTS.port;
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    throw new InvalidOptionsError("port", `createApprovalServer: port must be 0 to 65535; got ${String(options.port)}`);
  if (
    options.allowedHosts !== undefined &&
    !options.allowedHosts.every((host) => typeof host === "string" && host !== "")
  )
    throw new InvalidOptionsError("allowedHosts", "createApprovalServer: allowedHosts must be host names");
  const audit = options.audit ?? [];
  const timeline = Array.isArray(audit)
    ? new AuditTimeline(audit as string[], { maxRuns: SERVER_DEFAULTS.maxRuns })
    : (audit as TimelineSource);
  if (typeof timeline.refresh !== "function")
    throw new InvalidOptionsError(
      "audit",
      "createApprovalServer: audit must be a list of audit files or a TimelineSource",
    );
  const previews = (options.previews ?? options.engine?.plugins) as PreviewSource | undefined;
  return {
    decider: options.decider ?? engineDecider(options.engine!),
    previews,
    timeline,
    host: options.host ?? SERVER_DEFAULTS.host,
    port,
    pollIntervalMs: positive("pollIntervalMs", options.pollIntervalMs, SERVER_DEFAULTS.pollIntervalMs),
    previewTimeoutMs: positive("previewTimeoutMs", options.previewTimeoutMs, SERVER_DEFAULTS.previewTimeoutMs),
    idleMs: positive("sessions.idleMs", options.sessions?.idleMs, SERVER_DEFAULTS.sessionIdleMs),
    maxMs: positive("sessions.maxMs", options.sessions?.maxMs, SERVER_DEFAULTS.sessionMaxMs),
    authFailuresPerMinute: positive(
      "authFailuresPerMinute",
      options.authFailuresPerMinute,
      SERVER_DEFAULTS.authFailuresPerMinute,
    ),
  };
}
