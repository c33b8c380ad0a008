export { createApprovalServer } from "./server.js";
export type { ApprovalServer } from "./server.js";
export type { ApprovalServerOptions } from "./options.js";
export { SERVER_DEFAULTS } from "./defaults.js";
export { engineDecider, queueDecider } from "./deciders.js";
export type { Decider, ResumeJob, ResumeOutcome, ResumingEngine } from "./deciders.js";
export { compilePolicy } from "./policy.js";
export type { ApprovalPolicy, ApprovalRule, ResolvedRule } from "./policy.js";
export type { PendingCheckpoint, PendingFilter, PendingPage, PendingSource } from "./pending.js";
export type { ActionPreview, PreviewSource } from "./preview.js";
export { AuditTimeline } from "./timeline.js";
export type { RunStatus, RunSummary, RunsFilter, TimelineEvent, TimelineSource } from "./timeline.js";
export type { VoteInput, VoteResult } from "./decisions.js";
export type { CheckpointView, PendingView } from "./views.js";
export { PRINCIPALS_ENV, hashToken, loadPrincipals, newToken, parsePrincipals } from "./auth/tokens.js";
export type { PrincipalEntry } from "./auth/tokens.js";
export { JsonlLedger } from "./ledger/file-ledger.js";
export { verifyLedgerFile } from "./ledger/verify-file.js";
export type { JsonlLedgerOptions } from "./ledger/file-ledger.js";
export { PostgresLedger } from "./ledger/postgres-ledger.js";
export type { PostgresLedgerOptions, SqlClient, SqlPool } from "./ledger/postgres-ledger.js";
export type { ApprovalLedger, LedgerKeyInput, LedgerPage } from "./ledger/ledger.js";
export { GENESIS_HASH, ledgerKey } from "./ledger/record.js";
export type {
  CallRecord,
  DecisionEntry,
  LedgerCall,
  LedgerEntry,
  LedgerHead,
  LedgerKey,
  LedgerPrincipal,
  LedgerRecord,
  RepairEntry,
  VoteEntry,
} from "./ledger/record.js";
export { verifyLines } from "./ledger/verify.js";
export type {
  LedgerLine,
  LedgerProblem,
  LedgerProblemCode,
  LedgerVerification,
  VerifyOptions,
} from "./ledger/verify.js";
export {
  AlreadyDecidedError,
  AlreadyVotedError,
  ApprovalMismatchError,
  BadHostError,
  BadRequestError,
  CheckpointExpiredError,
  CsrfError,
  HTTP_STATUS,
  InvalidOptionsError,
  LedgerLockedError,
  LedgerTamperedError,
  NotFoundError,
  NotPermittedError,
  RateLimitedError,
  SelfApprovalError,
  SERVER_ERRORS,
  ServeUsageError,
  UnauthenticatedError,
  UnavailableError,
} from "./errors.js";
export type { ServerErrorCode } from "./errors.js";
export { runServeCommand, SERVE_OPTIONS, SERVE_USAGE } from "./cli/serve.js";
export type { AppContext, AppExport } from "./cli/serve-settings.js";
export {
  DEFAULT_LEDGER_FILE,
  LEDGER_VERIFY_OPTIONS,
  LEDGER_VERIFY_USAGE,
  runLedgerVerifyCommand,
} from "./cli/ledger-verify.js";
export { KEY_ENV } from "./cli/io.js";
export type { CommandIO, CommandOption } from "./cli/io.js";
export { POSTGRES_URL_ENV } from "./cli/postgres.js";
