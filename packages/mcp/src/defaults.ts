import { ActionTier } from "@cortex/plugins";

/** Every default of `@cortex/mcp`, in one place. */
export const MCP_DEFAULTS = {
  /** Tier of a tool without an explicit `tiers` entry that does not qualify for AUTO. */
  defaultTier: ActionTier.CONFIRM,
  /** Whether `readOnlyHint: true` (without `destructiveHint: true`) makes a tool AUTO. */
  trustAnnotations: true,
  /** Starting the server and the initialize handshake. */
  connectTimeoutMs: 10_000,
  /** One `tools/call`; the registry's own timeout still applies and may be shorter. */
  callTimeoutMs: 60_000,
  /** One ping (health checks, and the liveness check after a call times out). */
  pingTimeoutMs: 5_000,
  /** How long a child gets to exit after its stdin closes, and again after SIGTERM, before SIGKILL. */
  closeTimeoutMs: 2_000,
  /** Restarts of a crashed or hung server tried in a row before calls fail fast. */
  maxRestarts: 3,
  /** Wait before the first restart; doubles with each restart in a row. */
  restartBackoffMs: 250,
  /** Longest wait between restarts, and how long calls fail fast once `maxRestarts` is used up. */
  restartBackoffMaxMs: 30_000,
  /** Characters of JSON a tool result may take in `data` before it is cut, with a note. */
  maxResultChars: 100_000,
  /** Characters of the server's stderr kept for error messages and health details. */
  stderrTailChars: 2_000,
  /** Address `serveMcp` binds over HTTP. */
  host: "127.0.0.1",
  /** Path of the Streamable HTTP endpoint. */
  path: "/mcp",
  /** Longest a CONFIRM call waits for the user's answer to an elicitation. */
  elicitationTimeoutMs: 10 * 60_000,
  /** Largest HTTP request body `serveMcp` reads. */
  maxBodyBytes: 4 * 1024 * 1024,
  /** Open HTTP sessions `serveMcp` keeps at most. */
  maxSessions: 64,
} as const;
