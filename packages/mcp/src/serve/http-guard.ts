import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";

/** What the HTTP transport lets in (see {@link checkRequest}). */
export interface HttpGuard {
  /** Exact `Host` header values accepted, e.g. `127.0.0.1:8080`. */
  readonly hosts: ReadonlySet<string>;
  /** Exact `Origin` values accepted when a request has one. */
  readonly origins: ReadonlySet<string>;
  /** sha256 of the bearer token every request must carry, when one is configured. */
  readonly tokenDigest: Buffer | undefined;
}

const LOOPBACK_NAMES = ["127.0.0.1", "localhost", "[::1]"];

/** True for an address only this machine can reach. */
export function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || host === "[::1]" || /^127(?:\.\d{1,3}){3}$/.test(host);
}

/** The guard for a server bound to `host:port`, with the host's extra names and origins. */
export function createGuard(
  host: string,
  port: number,
  extra: {
    allowedHosts?: readonly string[] | undefined;
    allowedOrigins?: readonly string[] | undefined;
    token?: string | undefined;
  },
): HttpGuard {
  const shown = host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
  const names = new Set([shown, ...(isLoopback(host) ? LOOPBACK_NAMES : [])]);
  const hosts = new Set([...names].map((n) => `${n}:${port}`));
  for (const h of extra.allowedHosts ?? []) hosts.add(h.includes(":") && !h.startsWith("[") ? h : `${h}:${port}`);
  const origins = new Set([...names].map((n) => `http://${n}:${port}`));
  for (const o of extra.allowedOrigins ?? []) origins.add(o);
  return {
    hosts,
    origins,
    tokenDigest: extra.token === undefined ? undefined : createHash("sha256").update(extra.token).digest(),
  };
}

/**
 * DNS-rebinding protection and authentication, before any MCP handling: the
 * `Host` header must be one the server is reached by (a page on another
 * name that resolves to 127.0.0.1 sends its own name), a browser's
 * `Origin` must be allowed, and with a token the `Authorization: Bearer`
 * header must match it (compared in constant time over sha256 digests, so
 * neither the content nor the length leaks through timing).
 */
export function checkRequest(guard: HttpGuard, req: IncomingMessage): { status: number; message: string } | undefined {
  const host = req.headers.host;
  if (host === undefined || !guard.hosts.has(host.toLowerCase())) {
    return { status: 403, message: `Host header ${JSON.stringify(host ?? "")} is not allowed` };
  }
  const origin = req.headers.origin;
  if (origin !== undefined && !guard.origins.has(origin)) {
    return { status: 403, message: `Origin ${JSON.stringify(origin)} is not allowed` };
  }
  if (guard.tokenDigest !== undefined) {
    const header = req.headers.authorization ?? "";
    const match = /^Bearer\s+(.+)$/i.exec(header);
    const digest = createHash("sha256")
      .update(match?.[1] ?? "")
      .digest();
    if (match === null || !timingSafeEqual(digest, guard.tokenDigest)) {
      return { status: 401, message: "a valid bearer token is required" };
    }
  }
  return undefined;
}
