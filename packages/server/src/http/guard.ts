import type { Principal } from "@cortex/plugins";
import type { FastifyReply, FastifyRequest } from "fastify";
import { csrfMatches, type FailureLimiter, type Session, type SessionStore } from "../auth/sessions.js";
import type { TokenTable } from "../auth/tokens.js";
import { BadHostError, CsrfError, RateLimitedError, UnauthenticatedError } from "../errors.js";

/** Who made a request, and how they proved it. */
export interface AuthContext {
  principal: Principal;
  via: "bearer" | "session";
  session?: Session;
}

/** What the guard needs. */
export interface GuardOptions {
  tokens: TokenTable;
  sessions: SessionStore;
  limiter: FailureLimiter;
  /** Host names (with or without port) the server answers for, beside loopback. */
  allowedHosts: readonly string[];
  cookieName: string;
  csrfHeader: string;
  /** Mark the cookie Secure; default: when the request came over HTTPS. */
  secureCookies: boolean | undefined;
}

const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]"]);
const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

const hostName = (host: string): string =>
  host.startsWith("[") ? host.slice(0, host.indexOf("]") + 1) : host.split(":")[0]!;

/** The value of one cookie of the request, or undefined. */
export function cookieOf(request: FastifyRequest, name: string): string | undefined {
  const header = request.headers.cookie;
  if (typeof header !== "string") return undefined;
  for (const part of header.split(";")) {
    const at = part.indexOf("=");
    if (at !== -1 && part.slice(0, at).trim() === name) return part.slice(at + 1).trim();
  }
  return undefined;
}

/**
 * Authenticates every request that needs it: a bearer token (hashed and
 * compared in constant time), or the session cookie the web page signs in
 * for. A cookie-authenticated request that changes anything must carry
 * the session's CSRF token in a header and, when the browser sends one, an
 * Origin of this server. Requests naming a host the server does not answer
 * for are refused first (DNS rebinding). Failed attempts are counted per
 * address; past the limit the address is refused for the rest of the minute.
 */
export class Guard {
  readonly #o: GuardOptions;
  readonly #auth = new WeakMap<FastifyRequest, AuthContext>();

  constructor(options: GuardOptions) {
    this.#o = options;
  }

  /** Refuses a Host header that names neither loopback nor an allowed host. */
  checkHost(request: FastifyRequest): void {
    const host = request.headers.host ?? "";
    if (LOOPBACK.has(hostName(host))) return;
    if (this.#o.allowedHosts.includes(host) || this.#o.allowedHosts.includes(hostName(host))) return;
    throw new BadHostError(host);
  }

  #checkLimit(request: FastifyRequest): void {
    const wait = this.#o.limiter.blockedFor(request.ip);
    if (wait > 0) throw new RateLimitedError(wait);
  }

  /** Refuses an Origin other than this server's own (a browser sends it on cross-site requests). */
  checkOrigin(request: FastifyRequest): void {
    const origin = request.headers.origin;
    if (origin === undefined) return;
    const host = request.headers.host ?? "";
    if (origin !== `http://${host}` && origin !== `https://${host}`)
      throw new CsrfError(`Requests from ${origin} are refused: this server only accepts its own pages`);
  }

  /** Authenticates the request (or throws), and remembers who made it. */
  authenticate(request: FastifyRequest): AuthContext {
    this.#checkLimit(request);
    const header = request.headers.authorization;
    let context: AuthContext;
    if (header !== undefined) {
      const token = /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1];
      const principal = token === undefined ? undefined : this.#o.tokens.authenticate(token);
      if (principal === undefined) {
        this.#o.limiter.fail(request.ip);
        throw new UnauthenticatedError("The bearer token is not one this server knows");
      }
      context = { principal, via: "bearer" };
    } else {
      const id = cookieOf(request, this.#o.cookieName);
      const session = id === undefined ? undefined : this.#o.sessions.get(id);
      if (session === undefined) {
        if (id !== undefined) this.#o.limiter.fail(request.ip);
        throw new UnauthenticatedError(id === undefined ? undefined : "The session ended; sign in again");
      }
      if (!SAFE_METHODS.has(request.method)) {
        this.checkOrigin(request);
        if (!csrfMatches(session, request.headers[this.#o.csrfHeader]))
          throw new CsrfError(`A signed-in page must send its CSRF token in the ${this.#o.csrfHeader} header`);
      }
      context = { principal: session.principal, via: "session", session };
    }
    this.#auth.set(request, context);
    return context;
  }

  /** Who made an authenticated request. */
  contextOf(request: FastifyRequest): AuthContext {
    const context = this.#auth.get(request);
    if (context === undefined) throw new UnauthenticatedError();
    return context;
  }

  /** Signs a token in: a new session, its cookie set on the reply. */
  signIn(request: FastifyRequest, reply: FastifyReply, token: string): Session {
    this.#checkLimit(request);
    this.checkOrigin(request);
    const principal = this.#o.tokens.authenticate(token);
    if (principal === undefined) {
      this.#o.limiter.fail(request.ip);
      throw new UnauthenticatedError("That token is not one this server knows");
    }
    const old = cookieOf(request, this.#o.cookieName);
    if (old !== undefined) this.#o.sessions.delete(old);
    const { id, session } = this.#o.sessions.create(principal);
    reply.header("set-cookie", this.#cookie(request, id, this.#o.sessions.maxAgeSeconds));
    return session;
  }

  /** Ends the request's session and clears its cookie. */
  signOut(request: FastifyRequest, reply: FastifyReply): void {
    const id = cookieOf(request, this.#o.cookieName);
    if (id !== undefined) this.#o.sessions.delete(id);
    reply.header("set-cookie", this.#cookie(request, "", 0));
  }

  #cookie(request: FastifyRequest, value: string, maxAge: number): string {
    const secure = this.#o.secureCookies ?? request.protocol === "https";
    return `${this.#o.cookieName}=${value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${Math.max(0, maxAge)}${secure ? "; Secure" : ""}`;
  }
}
