import { isThenable } from "./approval.js";
import type { FailureCode } from "./errors.js";
import type { Logger } from "./logger.js";
import type { ActionContext, Plugin, PluginResult, Principal } from "./models.js";
import { messageOf, type Redactor } from "./redact.js";

/** What a running call needs from its registry (see {@link createCallHost}). */
export interface CallHost {
  readonly logger: Logger;
  readonly redactor: Redactor;
  /** In-flight calls, one deadline-ordered list per timeout length. */
  readonly lanes: Map<number, Lane>;
  /** The lane used last (a lookup cache: most calls share one timeout). */
  lastLane: Lane | undefined;
  /** The open start window (see {@link Window}), if any. */
  window: Window | undefined;
  /** Calls started in windows since the last flush. */
  windowed: number;
  /** Whether a flush is queued. */
  flushQueued: boolean;
  /** Calls left that read the clock themselves instead of joining a window. */
  solo: number;
  /** The next `solo` run when a window turns out to hold a single call. */
  backoff: number;
}

/** A fresh host for one registry. */
export function createCallHost(logger: Logger, redactor: Redactor): CallHost {
  return {
    logger,
    redactor,
    lanes: new Map(),
    lastLane: undefined,
    window: undefined,
    windowed: 0,
    flushQueued: false,
    solo: 0,
    backoff: MIN_SOLO,
  };
}

/**
 * Calls sharing one timeout length, in start order — which is also deadline
 * order, so one timer per lane (for its head) replaces a timer per call.
 * `setTimeout` + `clearTimeout` cost about half a microsecond a call; this
 * costs two pointer writes (and at most a clock read, see {@link Window}).
 * Node's own timer lists use the same idea. The timer is unreferenced; see
 * {@link holdBusyLanes}.
 */
export interface Lane {
  readonly ms: number;
  head: ActionCall | undefined;
  tail: ActionCall | undefined;
  timer: ReturnType<typeof setTimeout> | undefined;
  /** Whether `holdBusyLanes` referenced the timer (until the lane is idle again). */
  held: boolean;
}

/**
 * When a call started, for its deadline. Reading the clock costs about as
 * much as a fifth of a whole `execute`, so calls started back to back share
 * one read: they join the open window, which is closed by a clock read taken
 * after all of them started — when the tick and microtask queues drain
 * (`process.nextTick`), after {@link WINDOW_CALLS} calls, or when a timer
 * needs a deadline, whichever comes first. `end + timeoutMs` is therefore
 * never earlier than a call's real start plus its timeout (a plugin always
 * gets its full time); it is later by the synchronous work between the
 * call's start and that read.
 *
 * A window costs a queued tick, which only pays off when calls come in
 * bursts. When a drain saw a single windowed call, the next calls read the
 * clock themselves (`solo`), for a run that doubles each time up to
 * {@link MAX_SOLO} and shrinks back as soon as a window holds several calls.
 */
interface Window {
  /** The clock read closing the window; `Infinity` while calls may join. */
  end: number;
}

const WINDOW_CALLS = 64;
const MIN_SOLO = 8;
const MAX_SOLO = 1024;

let sequence = 0;
// Cached: the global `performance` is an accessor in Node.
const clock = performance;
const now = (): number => clock.now();

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
  /** The deadline, when the call read the clock itself. */
  #deadline = 0;
  /** The start window, when the call joined one. */
  #window: Window | undefined = undefined;
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
        lane = { ms, head: undefined, tail: undefined, timer: undefined, held: false };
        host.lanes.set(ms, lane);
        watchLane(lane);
      }
      host.lastLane = lane;
    }
    call.#lane = lane;
    if (host.solo > 0) {
      host.solo--;
      call.#deadline = now() + ms;
    } else {
      let window = host.window;
      if (window === undefined) {
        window = host.window = { end: Infinity };
        if (!host.flushQueued) {
          host.flushQueued = true;
          process.nextTick(flush, host);
        }
      }
      call.#window = window;
      if (++host.windowed % WINDOW_CALLS === 0) closeWindow(host);
    }
    call.#prev = lane.tail;
    if (lane.tail) lane.tail.#next = call;
    else lane.head = call;
    lane.tail = call;
    lane.timer ??= ActionCall.#arm(lane, ms);
  }

  static #dequeue(call: ActionCall): void {
    const lane = call.#lane!;
    if (call.#prev) call.#prev.#next = call.#next;
    else lane.head = call.#next;
    if (call.#next) call.#next.#prev = call.#prev;
    else lane.tail = call.#prev;
    call.#lane = call.#prev = call.#next = undefined;
    if (lane.held && lane.head === undefined) {
      lane.held = false;
      lane.timer?.unref();
    }
  }

  /** A lane timer: unreferenced unless the lane is held (see {@link holdBusyLanes}). */
  static #arm(lane: Lane, ms: number): ReturnType<typeof setTimeout> {
    const timer = setTimeout(ActionCall.#expire, ms, lane);
    return lane.held ? timer : timer.unref();
  }

  /** The call's deadline; closes its start window first if still open. */
  static #deadlineOf(call: ActionCall, ms: number): number {
    const window = call.#window;
    if (window === undefined) return call.#deadline;
    if (window.end === Infinity) closeWindow(call.#host);
    return window.end + ms;
  }

  static #expire(this: void, lane: Lane): void {
    lane.timer = undefined;
    const t = now();
    // Strictly due only: a timer that fires early (libuv counts whole
    // milliseconds) re-arms instead of cutting a call short.
    while (lane.head !== undefined && ActionCall.#deadlineOf(lane.head, lane.ms) <= t) {
      ActionCall.abort(lane.head, "CORTEX_PLUGIN_TIMEOUT", `did not finish within ${lane.ms} ms`);
    }
    if (lane.head !== undefined) lane.timer = ActionCall.#arm(lane, Math.max(1, Math.ceil(ActionCall.#deadlineOf(lane.head, lane.ms) - t)));
  }
}

/** Closes the open start window: every call in it started before this read. */
function closeWindow(host: CallHost): void {
  const window = host.window;
  if (window === undefined) return;
  host.window = undefined;
  window.end = now();
}

/** Runs when the tick and microtask queues drain: closes the window and adapts (see {@link Window}). */
function flush(host: CallHost): void {
  host.flushQueued = false;
  closeWindow(host);
  if (host.windowed > 1) {
    host.backoff = MIN_SOLO;
  } else {
    host.solo = host.backoff;
    host.backoff = Math.min(host.backoff * 2, MAX_SOLO);
  }
  host.windowed = 0;
}

/**
 * Keeping the process alive. Lane timers are always created unreferenced, so
 * starting or finishing a call never toggles a timer's ref (a native call
 * each way, per call, in a sequential workload). Instead, when the event loop
 * runs out of other work and Node emits `beforeExit`, every lane that still
 * has calls in flight gets its timer referenced ("held"), so the process
 * waits for those calls to settle or time out — an awaited hung plugin
 * yields its `CORTEX_PLUGIN_TIMEOUT` result instead of the process exiting.
 * A held lane unreferences its timer as soon as it is idle again, and an
 * idle lane's timer is never referenced, so an idle registry never keeps the
 * process alive. Lanes are tracked weakly: a dropped registry is collected.
 */
const watched = new Set<WeakRef<Lane>>();
let sweepAt = 64;
let listening = false;

function watchLane(lane: Lane): void {
  if (!listening && typeof process !== "undefined" && typeof process.on === "function") {
    listening = true;
    process.on("beforeExit", holdBusyLanes);
  }
  if (watched.size >= sweepAt) {
    for (const ref of watched) if (ref.deref() === undefined) watched.delete(ref);
    sweepAt = Math.max(64, watched.size * 2);
  }
  watched.add(new WeakRef(lane));
}

/** `beforeExit`: references the timer of every lane with calls in flight. */
function holdBusyLanes(): void {
  for (const ref of watched) {
    const lane = ref.deref();
    if (lane === undefined) watched.delete(ref);
    else if (lane.head !== undefined && lane.timer !== undefined && !lane.held) {
      lane.held = true;
      lane.timer.ref();
    }
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
