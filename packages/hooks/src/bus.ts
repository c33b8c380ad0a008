import {
  guardedLogger,
  InvalidOptionsError,
  isLogger,
  startTimer,
  type LogFields,
  type Logger,
} from "@cortex/primitives";
import { DuplicateExtensionError } from "./errors.js";
import { validateExtension, type Extension, type ValidatedExtension } from "./extension.js";
import { HOOK_METHOD_NAMES, type HookEvent, type HookName } from "./hooks.js";
import { HOOKS_DEFAULTS, type HookBusOptions } from "./options.js";
import type { FlushReport, HookErrorCounts } from "./reports.js";

/**
 * One extension's method for one hook. Its settle callbacks are made once, at
 * registration, so tracking a hook's promise allocates no closure per emit.
 */
interface Subscriber {
  readonly hook: HookName;
  readonly extension: string;
  readonly handler: (event: unknown) => unknown;
  readonly onFulfilled: () => void;
  readonly onRejected: (error: unknown) => void;
  pending: number;
}

/**
 * Delivers lifecycle events to registered extensions.
 *
 * Guarantees: `register` validates once and caches, per hook, the bound
 * methods of the extensions that implement it, so `emit` of a hook nobody
 * implements is one map lookup. `emit` is synchronous, calls subscribers in
 * registration order, never throws and never awaits: a throw or a rejected
 * promise is counted and logged with the hook and extension names. A
 * returned promise is counted as pending at once (`pendingCount`, `flush`);
 * its handlers are attached by one microtask per tick, which runs before
 * Node looks for unhandled rejections, so none ever goes unhandled. Events
 * are shared by every subscriber of one emit and must be treated as read-only.
 */
export class HookBus {
  // Arrays are replaced, never mutated, so an emit in progress keeps its snapshot
  // even if a hook registers or unregisters extensions.
  readonly #subscribers = new Map<HookName, readonly Subscriber[]>();
  readonly #extensions = new Map<string, ValidatedExtension>();
  // Subscribers with at least one pending promise, in the order they became busy.
  readonly #busy = new Set<Subscriber>();
  readonly #idleWaiters = new Set<() => void>();
  readonly #errorsByExtension = new Map<string, number>();
  readonly #errorsByHook = new Map<HookName, number>();
  readonly #logger: Logger;
  readonly #flushTimeoutMs: number;
  // Hook promises of this tick not yet watched, each followed by its
  // subscriber: emit only stores them; #watchHeld attaches the handlers (see
  // the guarantees). Pending counts include them (#heldCount).
  readonly #held: (PromiseLike<unknown> | Subscriber | undefined)[] = [];
  #heldCount = 0;
  readonly #watchHeldLater = (): void => this.#watchHeld();
  #errorTotal = 0;
  #pendingTotal = 0;
  #settledTotal = 0;

  /** Validates the options; throws `CORTEX_INVALID_OPTIONS` for an unusable logger or timeout. */
  constructor(options: HookBusOptions = {}) {
    const { logger = HOOKS_DEFAULTS.logger, flushTimeoutMs = HOOKS_DEFAULTS.flushTimeoutMs } = options;
    if (!isLogger(logger)) {
      throw new InvalidOptionsError("logger", 'HookBus option "logger" needs debug, info, warn and error functions.');
    }
    if (typeof flushTimeoutMs !== "number" || Number.isNaN(flushTimeoutMs) || flushTimeoutMs < 0) {
      throw new InvalidOptionsError(
        "flushTimeoutMs",
        `HookBus option "flushTimeoutMs" must be a number >= 0 (or Infinity); got ${String(flushTimeoutMs)}.`,
      );
    }
    // A broken logger must not turn into a broken pipeline.
    this.#logger = guardedLogger(logger);
    this.#flushTimeoutMs = flushTimeoutMs;
  }

  /**
   * Adds an extension after validating it (see `validateExtension`); it
   * receives every later emit of the hooks it implements. Throws
   * `CORTEX_DUPLICATE_EXTENSION` if the name is taken, and nothing is changed
   * when it throws.
   */
  register(extension: Extension): void {
    const validated = validateExtension(extension);
    const { name } = validated;
    if (this.#extensions.has(name)) {
      throw new DuplicateExtensionError(`An extension named "${name}" is already registered.`, { extension: name });
    }
    this.#extensions.set(name, validated);
    for (const { hook, handler } of validated.bindings) {
      const current = this.#subscribers.get(hook) ?? [];
      this.#subscribers.set(hook, [...current, this.#subscriber(hook, name, handler)]);
    }
    if (!this.#errorsByExtension.has(name)) this.#errorsByExtension.set(name, 0);
    this.#logger.debug("extension registered", { extension: name, hooks: validated.bindings.map((b) => b.hook) });
  }

  /**
   * Removes the extension from every hook it implemented, keeping the order of
   * the others. Returns false if no extension had that name. Promises it
   * already started stay tracked by `flush()`.
   */
  unregister(name: string): boolean {
    const validated = this.#extensions.get(name);
    if (validated === undefined) return false;
    this.#extensions.delete(name);
    for (const { hook } of validated.bindings) {
      const remaining = (this.#subscribers.get(hook) ?? []).filter((s) => s.extension !== name);
      if (remaining.length === 0) this.#subscribers.delete(hook);
      else this.#subscribers.set(hook, remaining);
    }
    this.#logger.debug("extension unregistered", { extension: name });
    return true;
  }

  /** True while an extension with this name is registered. */
  has(name: string): boolean {
    return this.#extensions.has(name);
  }

  /** The registered extension with this name, as it was passed to `register`. */
  get(name: string): Extension | undefined {
    return this.#extensions.get(name)?.extension;
  }

  /** Names of the registered extensions, in registration order (a fresh array). */
  list(): string[] {
    return [...this.#extensions.keys()];
  }

  /** True when at least one registered extension implements `hook`; lets a caller skip building an event. */
  hasSubscribers(hook: HookName): boolean {
    return this.#subscribers.has(hook);
  }

  /** Number of hook promises started by `emit` that have not settled yet. */
  get pendingCount(): number {
    return this.#pendingTotal + this.#heldCount;
  }

  /**
   * Calls `hook` on every extension that implements it, in registration order,
   * synchronously. Never throws, never awaits; see the class guarantees.
   */
  emit<H extends HookName>(hook: H, event: HookEvent<H>): void {
    const subscribers = this.#subscribers.get(hook);
    if (subscribers === undefined) return;
    for (const subscriber of subscribers) {
      try {
        const result = subscriber.handler(event);
        if (
          typeof result === "object" &&
          result !== null &&
          typeof (result as PromiseLike<unknown>).then === "function"
        ) {
          this.#hold(subscriber, result as PromiseLike<unknown>);
        }
      } catch (error) {
        this.#fail(subscriber, error);
      }
    }
  }

  /**
   * Waits until every tracked hook promise has settled, including ones started
   * while waiting, or until `timeoutMs` (default: the bus option) has passed.
   * Never rejects; hooks still running at the deadline are named in
   * `timedOut` and logged. Its timer is cleared when it resolves, so it never
   * keeps a process alive afterwards. A negative or NaN timeout means 0; a
   * limit past 2^31-1 ms is honoured in full.
   */
  flush(timeoutMs: number = this.#flushTimeoutMs): Promise<FlushReport> {
    this.#watchHeld();
    if (this.#pendingTotal === 0) return Promise.resolve({ settled: 0, timedOut: [] });
    const settledBefore = this.#settledTotal;
    const limit = timeoutMs >= 0 ? timeoutMs : 0;
    return new Promise<FlushReport>((resolve) => {
      const finish = (): void => {
        cancelTimer();
        this.#idleWaiters.delete(finish);
        const timedOut = Array.from(this.#busy, ({ hook, extension, pending }) => ({
          hook,
          extension,
          count: pending,
        }));
        if (timedOut.length > 0)
          this.#logger.warn("extension hooks still pending after flush timeout", { timeoutMs: limit, timedOut });
        resolve({ settled: this.#settledTotal - settledBefore, timedOut });
      };
      this.#idleWaiters.add(finish);
      // Not unref'd on purpose: a flush the caller awaits must keep the process
      // alive until its deadline, or a hanging hook would end it mid-await.
      // Idle waiters are only called from settle callbacks, never before this line.
      const cancelTimer = startTimer(limit, finish);
    });
  }

  /** A snapshot of hook failures as plain data; later failures do not change it. */
  errorCounts(): HookErrorCounts {
    return {
      total: this.#errorTotal,
      byExtension: Object.fromEntries(this.#errorsByExtension),
      byHook: Object.fromEntries(this.#errorsByHook),
    };
  }

  #subscriber(hook: HookName, extension: string, handler: (event: unknown) => unknown): Subscriber {
    const subscriber: Subscriber = {
      hook,
      extension,
      handler,
      pending: 0,
      onFulfilled: () => {
        this.#settle(subscriber);
      },
      onRejected: (error: unknown) => {
        this.#fail(subscriber, error);
        this.#settle(subscriber);
      },
    };
    return subscriber;
  }

  /** Keeps a hook's promise for {@link HookBus.#watchHeld}: it counts as pending from now on. Two stores, no allocation. */
  #hold(subscriber: Subscriber, thenable: PromiseLike<unknown>): void {
    const at = this.#heldCount++;
    this.#held[2 * at] = thenable;
    this.#held[2 * at + 1] = subscriber;
    if (at === 0) queueMicrotask(this.#watchHeldLater);
  }

  /** Attaches the settle handlers to every held promise, in the order they were returned. */
  #watchHeld(): void {
    // A Promise subclass's `then` may emit again; what it adds is watched in this same loop.
    for (let i = 0; i < this.#heldCount; i++) {
      const thenable = this.#held[2 * i] as PromiseLike<unknown>;
      const subscriber = this.#held[2 * i + 1] as Subscriber;
      this.#held[2 * i] = undefined;
      this.#held[2 * i + 1] = undefined;
      this.#pendingTotal++;
      this.#watch(subscriber, thenable);
    }
    this.#heldCount = 0;
  }

  #watch(subscriber: Subscriber, thenable: PromiseLike<unknown>): void {
    if (subscriber.pending++ === 0) this.#busy.add(subscriber);
    try {
      // Foreign thenables may call back twice or synchronously; a native
      // promise settles once, so route anything else through one.
      const promise = thenable instanceof Promise ? thenable : Promise.resolve(thenable);
      promise.then(subscriber.onFulfilled, subscriber.onRejected);
    } catch (error) {
      // A thenable whose `then` throws is the extension's fault, not the caller's.
      this.#fail(subscriber, error);
      this.#settle(subscriber);
    }
  }

  #settle(subscriber: Subscriber): void {
    // Guards against a Promise subclass whose `then` calls back more than once.
    if (subscriber.pending === 0) return;
    if (--subscriber.pending === 0) this.#busy.delete(subscriber);
    this.#pendingTotal--;
    this.#settledTotal++;
    // Held promises are pending too, though not watched yet.
    if (this.#pendingTotal === 0 && this.#heldCount === 0 && this.#idleWaiters.size > 0) {
      for (const waiter of [...this.#idleWaiters]) waiter();
    }
  }

  #fail({ hook, extension }: Subscriber, error: unknown): void {
    this.#errorTotal++;
    this.#errorsByExtension.set(extension, (this.#errorsByExtension.get(extension) ?? 0) + 1);
    this.#errorsByHook.set(hook, (this.#errorsByHook.get(hook) ?? 0) + 1);
    const fields: LogFields = { hook, method: HOOK_METHOD_NAMES[hook], extension, error };
    this.#logger.warn("extension hook error", fields);
  }
}
