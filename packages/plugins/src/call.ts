import { isThenable } from "./approval.js";
import type { FailureCode } from "./errors.js";
import type { Logger } from "./logger.js";
import type { ActionContext, Plugin, PluginResult, Principal } from "./models.js";
import { InvalidOptionsError } from "./options-error.js";
import { isTimeLimit, timeLimitMessage, timeLimits, type TimeLimits } from "./options.js";
import { messageOf, type Redactor } from "./redact.js";
import {
  createDeadlines,
  DEADLINE,
  enterLane,
  LANE,
  laneEntries,
  leaveLane,
  NEXT,
  PREV,
  WINDOW,
  type Deadlines,
  type Lane,
  type LaneEntry,
  type Window,
} from "./deadlines.js";

/** What a running call needs from its registry (see {@link createCallHost}). */
export interface CallHost extends Deadlines<ActionCall> {
  readonly logger: Logger;
  readonly redactor: Redactor;
  /** The registry's time limits, validated (setup and teardown read theirs from here too). */
  readonly limits: TimeLimits;
}

/**
 * A fresh host for one registry. `options` are the registry's time-limit
 * options: each is validated (throws `CORTEX_INVALID_OPTIONS` for one that is
 * not a number > 0 or `Infinity`) and defaulted into {@link CallHost.limits}.
 */
export function createCallHost(
  logger: Logger,
  redactor: Redactor,
  options: { readonly [K in keyof TimeLimits]?: unknown } = {},
): CallHost {
  return { logger, redactor, limits: timeLimits(options), ...createDeadlines(timeOut) };
}

let sequence = 0;

/**
 * One call of a plugin's `executeAction`, and the `context` the plugin sees.
 * Its AbortController is created only when the plugin reads `signal` (or
 * something aborts first), and it joins a deadline lane only when the plugin
 * answers asynchronously.
 */
export class ActionCall implements ActionContext, LaneEntry {
  readonly principal: Principal | undefined;
  #callId: string | undefined;
  readonly #seq = ++sequence;
  #controller: AbortController | undefined = undefined;
  #abortReason: unknown = undefined;
  #settled = false;
  // Lane bookkeeping (see {@link LaneEntry}): set only by deadlines.ts.
  [LANE]: Lane | undefined = undefined;
  [PREV]: LaneEntry | undefined = undefined;
  [NEXT]: LaneEntry | undefined = undefined;
  [DEADLINE] = 0;
  [WINDOW]: Window | undefined = undefined;
  #callerSignal: AbortSignal | undefined = undefined;
  #onCallerAbort: (() => void) | undefined = undefined;
  #resolve: (result: PluginResult) => void = noop;
  readonly #host: CallHost;
  readonly #plugin: string;
  readonly #action: string;
  #done: Promise<PluginResult> | undefined = undefined;

  private constructor(
    host: CallHost,
    plugin: string,
    action: string,
    principal: Principal | undefined,
    callId: string | undefined,
  ) {
    this.#host = host;
    this.#plugin = plugin;
    this.#action = action;
    this.principal = principal;
    this.#callId = callId;
  }

  /** Id of this call: the caller's, or `<plugin>.<action>#<n>`. */
  get callId(): string {
    return (this.#callId ??= `${this.#plugin}.${this.#action}#${this.#seq}`);
  }

  /** Aborted on timeout, caller abort or shutdown. */
  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      if (this.#abortReason !== undefined) this.#controller.abort(this.#abortReason);
    }
    return this.#controller.signal;
  }

  /**
   * Runs `plugin.executeAction` and resolves to a `PluginResult`, never
   * rejecting: throws, rejections, timeouts, aborts and malformed results
   * (including one whose properties throw when read) become coded failures,
   * logged with secrets redacted. `timeoutMs` is a number > 0 or `Infinity`
   * (no timer); anything else throws `CORTEX_INVALID_OPTIONS` before the
   * plugin runs.
   */
  static start(
    host: CallHost,
    plugin: Plugin,
    action: string,
    params: Record<string, unknown>,
    timeoutMs: number,
    principal: Principal | undefined,
    callerSignal: AbortSignal | undefined,
    callId: string | undefined,
  ): Promise<PluginResult> {
    if (!isTimeLimit(timeoutMs))
      throw new InvalidOptionsError("timeoutMs", timeLimitMessage("execute", "timeoutMs", timeoutMs));
    const call = new ActionCall(host, plugin.name, action, principal, callId);
    if (callerSignal?.aborted) {
      return ActionCall.#settleNow(call, () =>
        ActionCall.abort(call, "CORTEX_ABORTED", "the caller aborted before the action started"),
      );
    }
    let out: unknown;
    let thenable: boolean;
    try {
      out = plugin.executeAction(action, params, call);
    } catch (error) {
      return ActionCall.#settleNow(call, () => settleError(call, error));
    }
    try {
      thenable = isThenable(out); // reads `then`: a getter may throw
    } catch (error) {
      return ActionCall.#settleNow(call, () => unreadableResult(call, error));
    }
    if (!thenable) return ActionCall.#settleNow(call, () => settleValue(call, out));
    const done = new Promise<PluginResult>((resolve) => (call.#resolve = resolve));
    call.#done = done;
    enterLane(host, call, timeoutMs);
    if (callerSignal) {
      call.#callerSignal = callerSignal;
      call.#onCallerAbort = () => ActionCall.abort(call, "CORTEX_ABORTED", "the caller aborted the action");
      callerSignal.addEventListener("abort", call.#onCallerAbort, { once: true });
    }
    try {
      (out as PromiseLike<unknown>).then(
        (value) => settleValue(call, value),
        (error: unknown) => settleError(call, error),
      );
    } catch (error) {
      // A thenable whose `then` throws: a plugin error like any other.
      settleError(call, error);
    }
    return done;
  }

  static #settleNow(call: ActionCall, settle: () => void): Promise<PluginResult> {
    let result: PluginResult = { success: false };
    call.#resolve = (r) => (result = r);
    settle();
    return Promise.resolve(result);
  }

  /** Every call whose plugin code is still running (used by shutdown). */
  static inflight(host: CallHost): ActionCall[] {
    return laneEntries(host);
  }

  /** Settles when the call has a result. */
  static done(call: ActionCall): Promise<PluginResult> {
    return call.#done ?? Promise.resolve({ success: false });
  }

  /** Aborts the call's signal and settles it as a failure with `code`. */
  static abort(call: ActionCall, code: FailureCode, why: string): void {
    if (call.#settled) return;
    const reason = new Error(`"${call.#plugin}.${call.#action}": ${why}`);
    reason.name = code === "CORTEX_PLUGIN_TIMEOUT" ? "TimeoutError" : "AbortError";
    call.#abortReason = reason;
    call.#controller?.abort(reason);
    ActionCall.fail(call, code, reason.message, "warn");
  }

  /** Settles with a coded failure and logs it. */
  static fail(call: ActionCall, code: FailureCode, message: string, level: "warn" | "error"): void {
    if (call.#settled) return;
    const error = call.#host.redactor.text(message);
    try {
      call.#host.logger[level](`plugin action failed: ${error}`, {
        plugin: call.#plugin,
        action: call.#action,
        callId: call.callId,
        code,
      });
    } catch {
      // A throwing logger must not leave the call unsettled; nothing else to tell it.
    }
    ActionCall.finish(call, { success: false, error, code });
  }

  /** Settles with `result`, leaving its lane and dropping its caller-signal listener. */
  static finish(call: ActionCall, result: PluginResult): void {
    if (call.#settled) return;
    call.#settled = true;
    leaveLane(call);
    if (call.#onCallerAbort !== undefined) call.#callerSignal?.removeEventListener("abort", call.#onCallerAbort);
    call.#resolve(result);
  }

  /** `text` with the host's secrets removed. */
  static redact(call: ActionCall, text: string): string {
    return call.#host.redactor.text(text);
  }

  /** Plugin and action names, for messages. */
  static label(call: ActionCall): string {
    return `"${call.#plugin}.${call.#action}"`;
  }
}

/** A lane's deadline passed (see {@link createDeadlines}). */
function timeOut(call: ActionCall, ms: number): void {
  ActionCall.abort(call, "CORTEX_PLUGIN_TIMEOUT", `did not finish within ${ms} ms`);
}

function noop(): void {
  // Replaced by the call's resolver.
}

// The settle functions run inside the plugin promise's `then` callbacks, where
// a throw would become an unhandled rejection (and end the process): none of
// them throws, whatever the plugin handed back.

function settleError(call: ActionCall, error: unknown): void {
  let message: string;
  try {
    message = messageOf(error);
  } catch {
    // E.g. an error whose `message` getter throws.
    message = "a value that could not be read";
  }
  ActionCall.fail(call, "CORTEX_PLUGIN_ERROR", `${ActionCall.label(call)} threw: ${message}`, "error");
}

/** The plugin's result threw while the registry read it (a throwing getter or proxy trap). */
function unreadableResult(call: ActionCall, error: unknown): void {
  let message: string;
  try {
    message = messageOf(error);
  } catch {
    message = "an error that could not be read";
  }
  ActionCall.fail(
    call,
    "CORTEX_INVALID_RESULT",
    `${ActionCall.label(call)} returned a result that threw when read (${message}), not a PluginResult`,
    "error",
  );
}

function settleValue(call: ActionCall, value: unknown): void {
  try {
    checkValue(call, value);
  } catch (error) {
    unreadableResult(call, error);
  }
}

function checkValue(call: ActionCall, value: unknown): void {
  if (typeof value !== "object" || value === null || typeof (value as PluginResult).success !== "boolean") {
    ActionCall.fail(
      call,
      "CORTEX_INVALID_RESULT",
      `${ActionCall.label(call)} returned ${value === null ? "null" : typeof value}, not a PluginResult`,
      "error",
    );
    return;
  }
  const result = value as PluginResult;
  if (!result.success && typeof result.error === "string") {
    // Plugin-made failures may quote a secret too; copy only when needed.
    const error = ActionCall.redact(call, result.error);
    if (error !== result.error) {
      ActionCall.finish(call, { ...result, error });
      return;
    }
  }
  ActionCall.finish(call, result);
}
