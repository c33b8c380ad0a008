import { isThenable } from "./approval.js";
import type { FailureCode } from "./errors.js";
import type { Logger } from "./logger.js";
import type { ActionContext, Plugin, PluginResult, Principal } from "./models.js";
import { messageOf, type Redactor } from "./redact.js";

/** What a running call needs from its registry. */
export interface CallHost {
  readonly logger: Logger;
  readonly redactor: Redactor;
  /** In-flight calls, one deadline-ordered list per timeout length. */
  readonly lanes: Map<number, Lane>;
  /** The lane used last (a lookup cache: most calls share one timeout). */
  lastLane: Lane | undefined;
}

/**
 * Calls sharing one timeout length, in start order — which is also deadline
 * order, so one timer per lane (for its head) replaces a timer per call.
 * `setTimeout` + `clearTimeout` cost about half a microsecond a call; this
 * costs a clock read and two pointer writes. Node's own timer lists use the
 * same idea.
 */
export interface Lane {
  readonly ms: number;
  head: ActionCall | undefined;
  tail: ActionCall | undefined;
  timer: ReturnType<typeof setTimeout> | undefined;
}

let sequence = 0;
const now = () => performance.now();

/**
 * One call of a plugin's `executeAction`, and the `context` the plugin sees.
 * Its AbortController is created only when the plugin reads `signal` (or
 * something aborts first), and it joins a deadline lane only when the plugin
 * answers asynchronously.
 */
export class ActionCall implements ActionContext {
  readonly principal: Principal | undefined;
  #callId: string | undefined;
  readonly #seq = ++sequence;
  #controller: AbortController | undefined = undefined;
  #abortReason: unknown = undefined;
  #settled = false;
  #lane: Lane | undefined = undefined;
  #prev: ActionCall | undefined = undefined;
  #next: ActionCall | undefined = undefined;
  #deadline = 0;
  #callerSignal: AbortSignal | undefined = undefined;
  #onCallerAbort: (() => void) | undefined = undefined;
  #resolve: (result: PluginResult) => void = noop;
  readonly #host: CallHost;
  readonly #plugin: string;
  readonly #action: string;
  #done: Promise<PluginResult> | undefined = undefined;

  private constructor(host: CallHost, plugin: string, action: string, principal: Principal | undefined, callId: string | undefined) {
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
   * become coded failures, logged with secrets redacted.
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
    const call = new ActionCall(host, plugin.name, action, principal, callId);
    if (callerSignal?.aborted) {
      return ActionCall.#settleNow(call, () => ActionCall.abort(call, "CORTEX_ABORTED", "the caller aborted before the action started"));
    }
    let out: unknown;
    try {
      out = plugin.executeAction(action, params, call);
    } catch (error) {
      return ActionCall.#settleNow(call, () => settleError(call, error));
    }
    if (!isThenable(out)) return ActionCall.#settleNow(call, () => settleValue(call, out));
    const done = new Promise<PluginResult>((resolve) => (call.#resolve = resolve));
    call.#done = done;
    ActionCall.#enqueue(call, timeoutMs);
    if (callerSignal) {
      call.#callerSignal = callerSignal;
      call.#onCallerAbort = () => ActionCall.abort(call, "CORTEX_ABORTED", "the caller aborted the action");
      callerSignal.addEventListener("abort", call.#onCallerAbort, { once: true });
    }
    out.then(
      (value) => settleValue(call, value),
      (error: unknown) => settleError(call, error),
    );
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
    const calls: ActionCall[] = [];
    for (const lane of host.lanes.values()) for (let c = lane.head; c; c = c.#next) calls.push(c);
    return calls;
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
    call.#host.logger[level](`plugin action failed: ${error}`, {
      plugin: call.#plugin,
      action: call.#action,
      callId: call.callId,
      code,
    });
    ActionCall.finish(call, { success: false, error, code });
  }

  /** Settles with `result`, leaving its lane and dropping its caller-signal listener. */
  static finish(call: ActionCall, result: PluginResult): void {
    if (call.#settled) return;
    call.#settled = true;
    if (call.#lane !== undefined) ActionCall.#dequeue(call);
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

  static #enqueue(call: ActionCall, ms: number): void {
    const host = call.#host;
    let lane = host.lastLane;
    if (lane?.ms !== ms) {
      lane = host.lanes.get(ms);
      if (lane === undefined) {
        lane = { ms, head: undefined, tail: undefined, timer: undefined };
        host.lanes.set(ms, lane);
      }
      host.lastLane = lane;
    }
    call.#lane = lane;
    call.#deadline = now() + ms;
    call.#prev = lane.tail;
    if (lane.tail) lane.tail.#next = call;
    else lane.head = call;
    lane.tail = call;
    // An idle lane's timer is unref'd so it never keeps the process alive.
    if (lane.timer === undefined) lane.timer = setTimeout(ActionCall.#expire, ms, lane);
    else if (lane.head === call) lane.timer.ref();
  }

  static #dequeue(call: ActionCall): void {
    const lane = call.#lane!;
    if (call.#prev) call.#prev.#next = call.#next;
    else lane.head = call.#next;
    if (call.#next) call.#next.#prev = call.#prev;
    else lane.tail = call.#prev;
    call.#lane = call.#prev = call.#next = undefined;
    if (lane.head === undefined) lane.timer?.unref();
  }

  static #expire(this: void, lane: Lane): void {
    lane.timer = undefined;
    const t = now();
    // Timers may fire a hair early; within a millisecond counts as due.
    while (lane.head !== undefined && lane.head.#deadline <= t + 1) {
      ActionCall.abort(lane.head, "CORTEX_PLUGIN_TIMEOUT", `did not finish within ${lane.ms} ms`);
    }
    if (lane.head !== undefined) lane.timer = setTimeout(ActionCall.#expire, Math.max(1, lane.head.#deadline - t), lane);
  }
}

function noop(): void {
  // Replaced by the call's resolver.
}

function settleError(call: ActionCall, error: unknown): void {
  ActionCall.fail(call, "CORTEX_PLUGIN_ERROR", `${ActionCall.label(call)} threw: ${messageOf(error)}`, "error");
}

function settleValue(call: ActionCall, value: unknown): void {
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
