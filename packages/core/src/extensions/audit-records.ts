import type { HookEvent, HookName } from "@cortex/hooks";
import { toJson } from "../json.js";

/** How an audited occurrence ended. */
export type AuditOutcome = "started" | "success" | "failure" | "pending" | "approved" | "denied" | "info";

/** One audit record. Never holds raw run input, tool arguments' values or credentials. */
export interface AuditEvent {
  /** ISO 8601 time the record was made. */
  timestamp: string;
  /** The hook that produced it. */
  hook: HookName;
  /** What happened, e.g. `tool.call`, `checkpoint.resolve`. */
  action: string;
  /** The kind of thing it happened to: `run`, `tool`, `checkpoint`, `agent`, `orchestration`, `engine`. */
  resource: string;
  resourceId: string;
  outcome: AuditOutcome;
  severity: "info" | "warning" | "error";
  reason?: string;
  metadata: Record<string, unknown>;
}

/** Characters a JSON string cannot hold as they are: quotes, backslashes, controls, surrogates (a lone one is escaped). */
// eslint-disable-next-line no-control-regex -- control characters are what it looks for
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/** Any value as JSON text, `null` for what JSON cannot hold. */
const json = (value: unknown): string => toJson(value) ?? "null";

/** A string as JSON text, as `JSON.stringify` writes it; a value of another type (from an emitter other than the engine) as JSON too. */
function str(value: unknown): string {
  if (typeof value !== "string") return json(value);
  return NEEDS_ESCAPE.test(value) ? JSON.stringify(value) : `"${value}"`;
}

/**
 * {@link str} remembering its last answer: a run's id is in every record of
 * the run, a tool's name in every record of its calls, and checking them
 * for characters to escape each time costs more than a comparison.
 */
function lastStr(): (value: unknown) => string {
  let lastValue: unknown;
  let lastText = "";
  return (value) => {
    if (value !== lastValue || typeof value !== "string") {
      lastText = str(value);
      lastValue = value;
    }
    return lastText;
  };
}

/** A run's id, as JSON text. */
const runIdStr = lastStr();
/** A tool's name, as JSON text. */
const toolStr = lastStr();

/** A number as JSON text: `JSON.stringify` writes a finite number the way a template does. */
const num = (value: unknown): string =>
  typeof value === "number" && Number.isFinite(value) ? `${value}` : json(value);

/**
 * A duration, in milliseconds to the microsecond: finer digits are noise,
 * and writing a double's 17 of them costs more than the rest of the record.
 */
const ms = (value: unknown): string => num(typeof value === "number" ? Math.round(value * 1000) / 1000 : value);

/** `,"key":value`, or nothing when the value is undefined: a key JSON would leave out. */
const opt = (key: string, value: unknown, write: (value: unknown) => string = str): string =>
  value === undefined ? "" : `,"${key}":${write(value)}`;

/**
 * The event's place in its run, `,"seq":n`, closing the metadata; nothing
 * for an event without one. Each line reads the fields it passes here from
 * its own hook's event: a helper reading them from every kind of event
 * would look each up the slow way.
 */
const seqOf = (seq: unknown): string => (typeof seq === "number" ? `,"seq":${num(seq)}` : "");

/** The orchestration a run, step or tool event belongs to, then its `seq`. */
const tail = (orchestrationId: unknown, seq: unknown): string => opt("orchestrationId", orchestrationId) + seqOf(seq);

/** The `seq` of an event whose type has none, which another emitter may still give it. */
const seqOfAny = (event: object): unknown => (event as { seq?: unknown }).seq;

const lengthOf = (value: unknown): number =>
  typeof value === "string" ? value.length : (toJson(value ?? null)?.length ?? 0);

/** An error as a record's reason and its metadata's code (when it has a string one). */
function failure(error: unknown): { reason: string; code: string } {
  if (typeof error === "object" && error !== null) {
    const { message, code } = error as { message?: unknown; code?: unknown };
    return {
      reason: str(typeof message === "string" ? message : "error"),
      code: typeof code === "string" ? opt("code", code) : "",
    };
  }
  return { reason: str(String(error)), code: "" };
}

function argumentNames(args: unknown): string {
  if (typeof args !== "object" || args === null) return "[]";
  let names = "";
  for (const name of Object.keys(args)) names += (names === "" ? "" : ",") + str(name);
  return `[${names}]`;
}

/**
 * How each hook becomes an audit record, written straight as one line of
 * JSON (`at` is the record's timestamp): an {@link AuditEvent}, with the
 * event's `seq`, when it has one, last in the metadata, so a gap in a run's
 * records shows. Writing the text by hand, rather than building an object
 * for `JSON.stringify`, makes a record about five times cheaper on Node 20,
 * and the audit file is the price every step of every run pays. Object
 * keys are in the order `JSON.stringify` would write them from the
 * record; a test holds each line against that record.
 */
export const AUDIT_LINES: { [H in HookName]: (event: HookEvent<H>, at: string) => string } = {
  runStarted: (e, at) =>
    `{"timestamp":"${at}","hook":"runStarted","action":"run.start","resource":"run","resourceId":${runIdStr(e.runId)},"outcome":"started","severity":"info","metadata":{"agentId":${str(e.agentId)},"inputLength":${lengthOf(e.input)}${tail(e.orchestrationId, e.seq)}}}`,
  runCompleted: (e, at) =>
    `{"timestamp":"${at}","hook":"runCompleted","action":"run.complete","resource":"run","resourceId":${runIdStr(e.runId)},"outcome":"success","severity":"info","metadata":{"agentId":${str(e.agentId)},"elapsedMs":${ms(e.elapsedMs)},"outputLength":${lengthOf(e.output)}${tail(e.orchestrationId, e.seq)}}}`,
  runFailed: (e, at) => {
    const { reason, code } = failure(e.error);
    return `{"timestamp":"${at}","hook":"runFailed","action":"run.fail","resource":"run","resourceId":${runIdStr(e.runId)},"outcome":"failure","severity":"error","reason":${reason},"metadata":{"agentId":${str(e.agentId)}${code}${tail(e.orchestrationId, e.seq)}}}`;
  },
  stepStarted: (e, at) =>
    `{"timestamp":"${at}","hook":"stepStarted","action":"step.start","resource":"run","resourceId":${runIdStr(e.runId)},"outcome":"started","severity":"info","metadata":{"stepIndex":${num(e.stepIndex)}${tail(e.orchestrationId, e.seq)}}}`,
  stepCompleted: (e, at) =>
    `{"timestamp":"${at}","hook":"stepCompleted","action":"step.complete","resource":"run","resourceId":${runIdStr(e.runId)},"outcome":"success","severity":"info","metadata":{"stepIndex":${num(e.stepIndex)},"elapsedMs":${ms(e.elapsedMs)}${tail(e.orchestrationId, e.seq)}}}`,
  toolCalled: (e, at) =>
    `{"timestamp":"${at}","hook":"toolCalled","action":"tool.call","resource":"tool","resourceId":${toolStr(e.toolName)},"outcome":"started","severity":"info","metadata":{"runId":${runIdStr(e.runId)}${opt("toolCallId", e.toolCallId)},"argumentNames":${argumentNames(e.args)}${tail(e.orchestrationId, e.seq)}}}`,
  toolCompleted: (e, at) =>
    `{"timestamp":"${at}","hook":"toolCompleted","action":"tool.complete","resource":"tool","resourceId":${toolStr(e.toolName)},"outcome":"success","severity":"info","metadata":{"runId":${runIdStr(e.runId)}${opt("toolCallId", e.toolCallId)},"elapsedMs":${ms(e.elapsedMs)}${tail(e.orchestrationId, e.seq)}}}`,
  toolFailed: (e, at) => {
    const { reason, code } = failure(e.error);
    return `{"timestamp":"${at}","hook":"toolFailed","action":"tool.fail","resource":"tool","resourceId":${toolStr(e.toolName)},"outcome":"failure","severity":"warning","reason":${reason},"metadata":{"runId":${runIdStr(e.runId)}${opt("toolCallId", e.toolCallId)}${code}${tail(e.orchestrationId, e.seq)}}}`;
  },
  personaResolved: (e, at) =>
    `{"timestamp":"${at}","hook":"personaResolved","action":"persona.resolve","resource":"agent","resourceId":${str(e.agentId)},"outcome":"info","severity":"info","metadata":{"persona":${str(e.personaName)}${opt("runId", e.runId)}${seqOf(e.seq)}}}`,
  behaviorTriggered: (e, at) =>
    `{"timestamp":"${at}","hook":"behaviorTriggered","action":"behavior.trigger","resource":"run","resourceId":${runIdStr(e.runId)},"outcome":"info","severity":"info","metadata":{"behavior":${str(e.behaviorName)}${seqOf(e.seq)}}}`,
  cognitivePhaseChanged: (e, at) =>
    `{"timestamp":"${at}","hook":"cognitivePhaseChanged","action":"phase.change","resource":"run","resourceId":${runIdStr(e.runId)},"outcome":"info","severity":"info","metadata":{"from":${str(e.from)},"to":${str(e.to)}${seqOf(e.seq)}}}`,
  checkpointCreated: (e, at) =>
    `{"timestamp":"${at}","hook":"checkpointCreated","action":"checkpoint.create","resource":"checkpoint","resourceId":${str(e.checkpointId)},"outcome":"pending","severity":"info"${opt("reason", e.reason)},"metadata":{"runId":${runIdStr(e.runId)}${seqOf(e.seq)}}}`,
  checkpointResolved: (e, at) => {
    const { approved, reason, decidedBy } = e.decision;
    return `{"timestamp":"${at}","hook":"checkpointResolved","action":"checkpoint.resolve","resource":"checkpoint","resourceId":${str(e.checkpointId)},"outcome":"${approved ? "approved" : "denied"}","severity":"${approved ? "info" : "warning"}"${opt("reason", reason)},"metadata":{"decidedBy":${str(decidedBy ?? null)}${opt("runId", e.runId)}${seqOf(e.seq)}}}`;
  },
  orchestrationStarted: (e, at) =>
    `{"timestamp":"${at}","hook":"orchestrationStarted","action":"orchestration.start","resource":"orchestration","resourceId":${str(e.orchestrationId)},"outcome":"started","severity":"info","metadata":{"strategy":${str(e.strategy)}${seqOf(seqOfAny(e))}}}`,
  orchestrationCompleted: (e, at) => {
    const failed = e.outcome === "failed";
    return `{"timestamp":"${at}","hook":"orchestrationCompleted","action":"orchestration.complete","resource":"orchestration","resourceId":${str(e.orchestrationId)},"outcome":"${failed ? "failure" : "success"}","severity":"${failed ? "error" : "info"}","metadata":{"elapsedMs":${ms(e.elapsedMs)}${seqOf(seqOfAny(e))}}}`;
  },
  agentHandoff: (e, at) =>
    `{"timestamp":"${at}","hook":"agentHandoff","action":"agent.handoff","resource":"orchestration","resourceId":${str(e.orchestrationId)},"outcome":"info","severity":"info","metadata":{"from":${str(e.from)},"to":${str(e.to)},"payloadLength":${lengthOf(e.payload)}${seqOf(e.seq)}}}`,
  modelCalled: (e, at) =>
    `{"timestamp":"${at}","hook":"modelCalled","action":"model.call","resource":"run","resourceId":${runIdStr(e.runId)},"outcome":"started","severity":"info","metadata":{"stepIndex":${num(e.stepIndex)}${tail(e.orchestrationId, e.seq)}}}`,
  modelCompleted: (e, at) => {
    const usage = e.usage
      ? opt("inputTokens", e.usage.inputTokens, num) + opt("outputTokens", e.usage.outputTokens, num)
      : "";
    return `{"timestamp":"${at}","hook":"modelCompleted","action":"model.complete","resource":"run","resourceId":${runIdStr(e.runId)},"outcome":"success","severity":"info","metadata":{"stepIndex":${num(e.stepIndex)},"elapsedMs":${ms(e.elapsedMs)}${usage}${tail(e.orchestrationId, e.seq)}}}`;
  },
  modelFailed: (e, at) => {
    const { reason, code } = failure(e.error);
    return `{"timestamp":"${at}","hook":"modelFailed","action":"model.fail","resource":"run","resourceId":${runIdStr(e.runId)},"outcome":"failure","severity":"error","reason":${reason},"metadata":{"stepIndex":${num(e.stepIndex)}${code}${tail(e.orchestrationId, e.seq)}}}`;
  },
  shutdown: (e, at) =>
    `{"timestamp":"${at}","hook":"shutdown","action":"engine.shutdown","resource":"engine","resourceId":"engine","outcome":"info","severity":"info","metadata":{${seqOf(seqOfAny(e)).slice(1)}}}`,
};
