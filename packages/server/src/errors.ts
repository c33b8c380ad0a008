import { CortexError, InvalidOptionsError, type CortexErrorOptions, type ErrorTable } from "@cortex/primitives";
import type { LedgerProblem } from "./ledger/verify.js";

/** Every code `@cortex/server` throws or answers with, and the class that carries it (`"result"`: found only in a response or a verification report). */
export const SERVER_ERRORS = {
  CORTEX_SERVER_UNAUTHENTICATED: "UnauthenticatedError",
  CORTEX_SERVER_FORBIDDEN: "NotPermittedError",
  CORTEX_SERVER_CSRF: "CsrfError",
  CORTEX_SERVER_BAD_HOST: "BadHostError",
  CORTEX_SERVER_RATE_LIMITED: "RateLimitedError",
  CORTEX_SERVER_BAD_REQUEST: "BadRequestError",
  CORTEX_SERVER_NOT_FOUND: "NotFoundError",
  CORTEX_SERVER_SELF_APPROVAL: "SelfApprovalError",
  CORTEX_SERVER_APPROVAL_MISMATCH: "ApprovalMismatchError",
  CORTEX_SERVER_ALREADY_VOTED: "AlreadyVotedError",
  CORTEX_SERVER_ALREADY_DECIDED: "AlreadyDecidedError",
  CORTEX_SERVER_EXPIRED: "CheckpointExpiredError",
  CORTEX_SERVER_UNAVAILABLE: "UnavailableError",
  CORTEX_SERVER_INTERNAL: "result",
  CORTEX_SERVER_USAGE: "ServeUsageError",
  CORTEX_LEDGER_LOCKED: "LedgerLockedError",
  CORTEX_LEDGER_TAMPERED: "LedgerTamperedError",
  CORTEX_LEDGER_EDITED: "result",
  CORTEX_LEDGER_REMOVED: "result",
  CORTEX_LEDGER_REORDERED: "result",
  CORTEX_LEDGER_FORGED: "result",
  CORTEX_LEDGER_TRUNCATED: "result",
  CORTEX_LEDGER_CORRUPT: "result",
  CORTEX_INVALID_OPTIONS: "InvalidOptionsError",
} as const satisfies ErrorTable;

/** A code of {@link SERVER_ERRORS}. */
export type ServerErrorCode = keyof typeof SERVER_ERRORS;

export { InvalidOptionsError };

/** The HTTP status each code is answered with. */
export const HTTP_STATUS: Readonly<Record<ServerErrorCode, number>> = {
  CORTEX_SERVER_UNAUTHENTICATED: 401,
  CORTEX_SERVER_FORBIDDEN: 403,
  CORTEX_SERVER_CSRF: 403,
  CORTEX_SERVER_BAD_HOST: 421,
  CORTEX_SERVER_RATE_LIMITED: 429,
  CORTEX_SERVER_BAD_REQUEST: 400,
  CORTEX_SERVER_NOT_FOUND: 404,
  CORTEX_SERVER_SELF_APPROVAL: 403,
  CORTEX_SERVER_APPROVAL_MISMATCH: 409,
  CORTEX_SERVER_ALREADY_VOTED: 409,
  CORTEX_SERVER_ALREADY_DECIDED: 409,
  CORTEX_SERVER_EXPIRED: 409,
  CORTEX_SERVER_UNAVAILABLE: 503,
  CORTEX_SERVER_INTERNAL: 500,
  CORTEX_SERVER_USAGE: 400,
  CORTEX_LEDGER_LOCKED: 503,
  CORTEX_LEDGER_TAMPERED: 503,
  CORTEX_LEDGER_EDITED: 500,
  CORTEX_LEDGER_REMOVED: 500,
  CORTEX_LEDGER_REORDERED: 500,
  CORTEX_LEDGER_FORGED: 500,
  CORTEX_LEDGER_TRUNCATED: 500,
  CORTEX_LEDGER_CORRUPT: 500,
  CORTEX_INVALID_OPTIONS: 500,
};

/** The request carried no credentials, or a token or session nobody holds. */
export class UnauthenticatedError extends CortexError<"CORTEX_SERVER_UNAUTHENTICATED"> {
  constructor(message = "Sign in, or send Authorization: Bearer <token>") {
    super("CORTEX_SERVER_UNAUTHENTICATED", message);
  }
}

/** The principal is known but lacks a role this request needs. */
export class NotPermittedError extends CortexError<"CORTEX_SERVER_FORBIDDEN"> {
  constructor(message: string) {
    super("CORTEX_SERVER_FORBIDDEN", message);
  }
}

/** A state-changing request of a cookie session came without the session's CSRF token, or from another origin. */
export class CsrfError extends CortexError<"CORTEX_SERVER_CSRF"> {
  constructor(message: string) {
    super("CORTEX_SERVER_CSRF", message);
  }
}

/** The Host header names a host this server does not answer for (DNS rebinding, a wrong proxy). */
export class BadHostError extends CortexError<"CORTEX_SERVER_BAD_HOST"> {
  constructor(readonly host: string) {
    super("CORTEX_SERVER_BAD_HOST", `This server does not answer for host ${JSON.stringify(host)}`);
  }
}

/** Too many failed sign-ins from one address within a minute. */
export class RateLimitedError extends CortexError<"CORTEX_SERVER_RATE_LIMITED"> {
  constructor(readonly retryAfterSeconds: number) {
    super("CORTEX_SERVER_RATE_LIMITED", `Too many failed sign-ins; try again in ${retryAfterSeconds} s`);
  }
}

/** The request's parameters or body do not match the API; `issues` lists each problem. */
export class BadRequestError extends CortexError<"CORTEX_SERVER_BAD_REQUEST"> {
  constructor(
    message: string,
    readonly issues: { path: string; message: string }[] = [],
  ) {
    super("CORTEX_SERVER_BAD_REQUEST", message);
  }
}

/** No such checkpoint waits, no such run is known, or no such route exists. */
export class NotFoundError extends CortexError<"CORTEX_SERVER_NOT_FOUND"> {
  constructor(message: string) {
    super("CORTEX_SERVER_NOT_FOUND", message);
  }
}

/** The principal a run acts for tried to approve that run's ADMIN call (or a CONFIRM call where a rule forbids it). */
export class SelfApprovalError extends CortexError<"CORTEX_SERVER_SELF_APPROVAL"> {
  constructor(message: string) {
    super("CORTEX_SERVER_SELF_APPROVAL", message);
  }
}

/** The decision names another call's approval id than the one waiting at this checkpoint, or the stored call no longer matches its id. */
export class ApprovalMismatchError extends CortexError<"CORTEX_SERVER_APPROVAL_MISMATCH"> {
  constructor(message: string) {
    super("CORTEX_SERVER_APPROVAL_MISMATCH", message);
  }
}

/** This principal already voted on this checkpoint: a vote counts once. */
export class AlreadyVotedError extends CortexError<"CORTEX_SERVER_ALREADY_VOTED"> {
  constructor(message: string) {
    super("CORTEX_SERVER_ALREADY_VOTED", message);
  }
}

/** The checkpoint was already decided (approved, denied or expired); `outcome` says how. */
export class AlreadyDecidedError extends CortexError<"CORTEX_SERVER_ALREADY_DECIDED"> {
  constructor(
    readonly outcome: string,
    message: string,
  ) {
    super("CORTEX_SERVER_ALREADY_DECIDED", message);
  }
}

/** The checkpoint's time ran out before the vote; it is denied as expired. */
export class CheckpointExpiredError extends CortexError<"CORTEX_SERVER_EXPIRED"> {
  constructor(message: string) {
    super("CORTEX_SERVER_EXPIRED", message);
  }
}

/** The run store or the ledger failed; nothing was decided. */
export class UnavailableError extends CortexError<"CORTEX_SERVER_UNAVAILABLE"> {
  constructor(message: string, options?: CortexErrorOptions) {
    super("CORTEX_SERVER_UNAVAILABLE", message, options);
  }
}

/** `cortex serve` or `cortex ledger verify` got arguments it cannot use. */
export class ServeUsageError extends CortexError<"CORTEX_SERVER_USAGE"> {
  constructor(message: string) {
    super("CORTEX_SERVER_USAGE", message);
  }
}

/** Another process held the ledger's lock for longer than `lockTimeoutMs`. */
export class LedgerLockedError extends CortexError<"CORTEX_LEDGER_LOCKED"> {
  constructor(
    readonly lockPath: string,
    message: string,
  ) {
    super("CORTEX_LEDGER_LOCKED", message);
  }
}

/** The ledger's chain is broken: nothing is decided from it until it is repaired; `problem` is what verification found. */
export class LedgerTamperedError extends CortexError<"CORTEX_LEDGER_TAMPERED"> {
  constructor(readonly problem: LedgerProblem) {
    super("CORTEX_LEDGER_TAMPERED", `The approval ledger failed verification: ${problem.message}`);
  }
}
