/** Every default of `@cortex/server`, in one place. */
export const SERVER_DEFAULTS = {
  /** The address the server binds: loopback only, unless told otherwise. */
  host: "127.0.0.1",
  /** The TCP port. */
  port: 4747,
  /** Items per page of the API's lists when no `limit` is given. */
  pageSize: 50,
  /** The largest `limit` the API accepts. */
  maxPageSize: 500,
  /** How often the run store is asked for pending checkpoints (live updates, expiry, recovery). */
  pollIntervalMs: 1_000,
  /** A pending checkpoint is denied as expired this long after it was created. */
  expireAfterMs: 24 * 60 * 60_000,
  /** Approvals a CONFIRM call needs. */
  confirmQuorum: 1,
  /** Approvals an ADMIN call needs, from distinct principals. */
  adminQuorum: 2,
  /** Roles that may vote on a CONFIRM call. */
  confirmRoles: ["approver", "admin"] as readonly string[],
  /** Roles that may vote on an ADMIN call. */
  adminRoles: ["admin"] as readonly string[],
  /** How long an append waits for another process holding the ledger's lock. */
  ledgerLockTimeoutMs: 10_000,
  /** A web session ends after this long without a request… */
  sessionIdleMs: 30 * 60_000,
  /** …and this long after sign-in in any case. */
  sessionMaxMs: 12 * 60 * 60_000,
  /** Sessions kept at most; the oldest goes first. */
  maxSessions: 10_000,
  /** Failed sign-ins (or bad tokens) one address may make per minute before it is refused for the rest of it. */
  authFailuresPerMinute: 10,
  /** How long a plugin's preview may take. */
  previewTimeoutMs: 5_000,
  /** Comment lines sent on an idle event stream, so proxies keep it open. */
  heartbeatMs: 15_000,
  /** Event streams open at once, across principals. */
  maxEventStreams: 100,
  /** Largest request body. */
  bodyLimitBytes: 64 * 1024,
  /** Longest reason a vote may carry. */
  maxReasonLength: 2_000,
  /** Longest text of one run message shown in a checkpoint's context. */
  messageTextLimit: 20_000,
  /** Runs the audit timeline keeps, most recent first. */
  maxRuns: 1_000,
  /** How long `close()` waits for runs being resumed. */
  closeTimeoutMs: 10_000,
  /** The session cookie's name. */
  cookieName: "cortex_session",
  /** The header a cookie session's state-changing requests carry the CSRF token in. */
  csrfHeader: "x-csrf-token",
} as const;
