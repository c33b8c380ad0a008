import { onAbort, startTimer, type Logger } from "@cortex/primitives";
import { messageText, type FailureCode } from "./errors.js";
import type { ActionContext, Plugin, PluginResult, Principal } from "./models.js";
import type { ExecuteOptions } from "./options.js";
import type { Redactor } from "./redact.js";
import { checkResult } from "./result.js";

/** What running calls need from their registry. */
export interface CallHost {
  /** Redacting and guarded: logging never throws and never writes a secret. */
  readonly logger: Logger;
  readonly redactor: Redactor;
  /** Calls whose plugin code is still running, for shutdown and caller aborts; each leaves when it settles. */
  readonly running: RunningCalls;
  /** Caller signals with the host's abort listener (see `watch`). */
  readonly watched: WeakSet<AbortSignal>;
}

/** A call whose plugin code is still running. */
export interface RunningCall {
  /** Settles when the call has its result. */
  readonly done: Promise<PluginResult>;
  /** The caller's signal, if any. */
  readonly caller: AbortSignal | undefined;
  /** Aborts the call's signal and settles it as a `CORTEX_ABORTED` failure. */
  stop(why: string): void;
}

/**
 * The calls of one registry whose plugin code is still running. Joining and
 * leaving cost a few writes, with nothing to hash or rehash: a call leaves
 * by moving the last one into its slot.
 */
export class RunningCalls {
  readonly #calls: ActionCall[] = [];

  add(call: ActionCall): void {
    call.slot = this.#calls.push(call) - 1;
  }

  remove(call: ActionCall): void {
    const last = this.#calls.pop();
    if (last !== undefined && last !== call) {
      this.#calls[call.slot] = last;
      last.slot = call.slot;
    }
    call.slot = -1;
  }

  /** A snapshot of the running calls. */
  list(): RunningCall[] {
    return [...this.#calls];
  }
}

/**
 * Runs the registered plugin's `executeAction` and resolves to a `PluginResult`, never
 * rejecting. One timer bounds the call, cleared when it settles (`Infinity`
 * sets none); the caller's signal is watched through `onAbort`. Throws,
 * rejections, timeouts, aborts and results that are not a `PluginResult` of
 * JSON data become coded failures, logged. A result holding a secret is
 * handed back as its JSON form, every secret removed.
 */
export function runAction(
  host: CallHost,
  entry: { readonly name: string; readonly plugin: Plugin },
  action: string,
  params: Record<string, unknown>,
  timeoutMs: number,
  options: ExecuteOptions,
): Promise<PluginResult> {
  const { plugin } = entry;
  const call = new ActionCall(host, entry.name, action, options);
  const caller = options.signal;
  if (caller?.aborted) return call.settleNow(call.aborted("the caller aborted before the action started"));
  let out: unknown;
  try {
    out = plugin.executeAction(action, params, call.context);
  } catch (error) {
    return call.settleNow(call.thrown(error));
  }
  let thenable: boolean;
  try {
    thenable = isThenable(out);
  } catch (error) {
    return call.settleNow(call.unreadable(error));
  }
  if (!thenable) return call.settleNow(call.resultOf(out));
  return call.wait(out as PromiseLike<unknown>, timeoutMs, caller);
}

function isThenable(value: unknown): boolean {
  return (
    (typeof value === "object" || typeof value === "function") &&
    value !== null &&
    typeof (value as { then?: unknown }).then === "function"
  );
}

function noop(): void {
  // No timer to cancel.
}

/**
 * Gives `signal` one listener of the host's, kept for the signal's life,
 * that stops the host's running calls of that signal when it aborts. A run's
 * calls come and go without adding or removing a listener each (~0.4 µs a
 * call); the host holds the signal only weakly.
 */
function watch(host: CallHost, signal: AbortSignal): void {
  if (host.watched.has(signal)) return;
  host.watched.add(signal);
  onAbort(signal, () => {
    for (const call of host.running.list()) if (call.caller === signal) call.stop("the caller aborted the action");
  });
}

/** Numbers calls, for generated call ids. */
let sequence = 0;

/** The `context` a plugin's `executeAction` receives. Its signal is made only when the plugin reads it. */
class CallContext implements ActionContext {
  readonly principal: Principal | undefined;
  readonly #plugin: string;
  readonly #action: string;
  readonly #number: number;
  #callId: string | undefined;
  #controller: AbortController | undefined;
  #reason: DOMException | undefined;

  constructor(plugin: string, action: string, number: number, options: ExecuteOptions) {
    this.#plugin = plugin;
    this.#action = action;
    this.#number = number;
    this.principal = options.principal;
    this.#callId = options.callId;
  }

  /** The caller's id, or `<plugin>.<action>#<n>`. */
  get callId(): string {
    return (this.#callId ??= `${this.#plugin}.${this.#action}#${this.#number}`);
  }

  /** Aborted on timeout, caller abort or shutdown. */
  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      if (this.#reason !== undefined) this.#controller.abort(this.#reason);
    }
    return this.#controller.signal;
  }

  /** Aborts the context's signal, now or when the plugin first reads it. */
  static abort(context: CallContext, reason: DOMException): void {
    context.#reason = reason;
    context.#controller?.abort(reason);
  }
}

/** One call of a plugin's `executeAction`: settles once, with the plugin's result or a coded failure. */
class ActionCall implements RunningCall {
  readonly context: CallContext;
  /** Its place in `RunningCalls` while it runs. */
  slot = -1;
  readonly done: Promise<PluginResult>;
  #resolve!: (result: PluginResult) => void;
  #settled = false;
  #cancelTimer = noop;
  caller: AbortSignal | undefined = undefined;

  constructor(
    readonly host: CallHost,
    readonly plugin: string,
    readonly action: string,
    options: ExecuteOptions,
  ) {
    this.context = new CallContext(plugin, action, ++sequence, options);
    this.done = new Promise((resolve) => (this.#resolve = resolve));
  }

  settleNow(result: PluginResult): Promise<PluginResult> {
    this.#settled = true;
    this.#resolve(result);
    return this.done;
  }

  /** Waits for the plugin's promise within `timeoutMs`, until the caller aborts or shutdown stops it. */
  wait(pending: PromiseLike<unknown>, timeoutMs: number, caller: AbortSignal | undefined): Promise<PluginResult> {
    this.host.running.add(this);
    // libuv counts whole milliseconds, so a timer may fire up to 1 ms early by a finer clock;
    // one more keeps the promise that a plugin gets its full time.
    this.#cancelTimer = startTimer(timeoutMs + 1, () =>
      this.#abort("CORTEX_PLUGIN_TIMEOUT", `did not finish within ${timeoutMs} ms`),
    );
    if (caller !== undefined) {
      this.caller = caller;
      watch(this.host, caller);
      // Aborted in the plugin's synchronous part, before the listener could see it.
      if (caller.aborted) this.stop("the caller aborted the action");
    }
    try {
      pending.then(
        (value) => this.#finish(this.resultOf(value)),
        (error: unknown) => this.#finish(this.thrown(error)),
      );
    } catch (error) {
      // A `then` that throws: a plugin error like any other.
      this.#finish(this.thrown(error));
    }
    return this.done;
  }

  stop(why: string): void {
    this.#abort("CORTEX_ABORTED", why);
  }

  #abort(code: FailureCode, why: string): void {
    if (this.#settled) return;
    const message = `${this.#name}: ${why}`;
    CallContext.abort(
      this.context,
      new DOMException(message, code === "CORTEX_ABORTED" ? "AbortError" : "TimeoutError"),
    );
    this.#finish(this.failure(code, message));
  }

  /** `"<plugin>.<action>"`, for messages. */
  get #name(): string {
    return `"${this.plugin}.${this.action}"`;
  }

  #finish(result: PluginResult): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#cancelTimer();
    if (this.slot >= 0) this.host.running.remove(this);
    this.#resolve(result);
  }

  // None of what follows throws, whatever the plugin handed back: they run inside
  // the plugin promise's callbacks, where a throw would be an unhandled rejection.

  /** What the plugin returned, checked (see `checkResult`): the result to hand back, or a coded failure. */
  resultOf(value: unknown): PluginResult {
    const checked = checkResult(value, this.host.redactor);
    return typeof checked === "string" ? this.invalid(checked) : checked;
  }

  aborted(why: string): PluginResult {
    return this.failure("CORTEX_ABORTED", `${this.#name}: ${why}`);
  }

  thrown(error: unknown): PluginResult {
    return this.failure("CORTEX_PLUGIN_ERROR", `${this.#name} threw: ${messageText(error)}`);
  }

  /** The plugin's result threw while the registry read it (a throwing getter or proxy trap). */
  unreadable(error: unknown): PluginResult {
    return this.invalid(`returned a result that threw when read (${messageText(error)}), not a PluginResult`);
  }

  invalid(what: string): PluginResult {
    return this.failure("CORTEX_INVALID_RESULT", `${this.#name} ${what}`);
  }

  /** A coded failure, logged by the host's redacting logger; its `error` has every secret removed. */
  failure(code: FailureCode, message: string): PluginResult {
    const error = this.host.redactor.text(message);
    const level = code === "CORTEX_ABORTED" || code === "CORTEX_PLUGIN_TIMEOUT" ? "warn" : "error";
    const fields = { plugin: this.plugin, action: this.action, callId: this.context.callId, code };
    this.host.logger[level](`plugin action failed: ${error}`, fields);
    return { success: false, error, code };
  }
}
