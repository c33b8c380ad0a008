/**
 * Deadlines for in-flight calls: timeout lanes, the shared start-window clock
 * and keeping the process alive while calls are pending. `call.ts` builds on
 * this through {@link LaneEntry} (fields `ActionCall` declares), {@link enterLane},
 * {@link leaveLane} and {@link createDeadlines}; nothing here is part of the package's public API.
 */

import { MAX_TIMER_MS } from "./long-timer.js";

/** Per-registry deadline state (see {@link createDeadlines}). */
export interface Deadlines<E extends LaneEntry> {
  /**
   * In-flight calls, one deadline-ordered list per timeout length. A lane is
   * dropped (its timer cleared) as soon as it is empty, unless it is
   * `lastLane`: so the lanes are bounded by the distinct timeouts of the calls
   * in flight, plus one.
   */
  readonly lanes: Map<number, Lane>;
  /** The lane used last (a lookup cache: most calls share one timeout); kept even when empty. */
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
  /** Settles a call that passed its deadline; it must leave its lane (see {@link leaveLane}). */
  readonly timeOut: (entry: E, ms: number) => void;
}

/** Fresh deadline state; `timeOut` settles a call whose deadline passed. */
export function createDeadlines<E extends LaneEntry>(timeOut: (entry: E, ms: number) => void): Deadlines<E> {
  return {
    lanes: new Map(),
    lastLane: undefined,
    window: undefined,
    windowed: 0,
    flushQueued: false,
    solo: 0,
    backoff: MIN_SOLO,
    timeOut,
  };
}

/**
 * Calls sharing one timeout length, in start order — which is also deadline
 * order, so one timer per lane (for its head) replaces a timer per call.
 * `setTimeout` + `clearTimeout` cost about half a microsecond a call; this
 * costs two pointer writes (and at most a clock read, see {@link Window}).
 * Node's own timer lists use the same idea. The timer is unreferenced; see
 * {@link holdBusyLanes}. A lane for `Infinity` (no limit) never has a timer;
 * one for a timeout above {@link MAX_TIMER_MS} re-arms until its head is due.
 */
export interface Lane {
  readonly ms: number;
  readonly host: Deadlines<never>;
  head: LaneEntry | undefined;
  tail: LaneEntry | undefined;
  timer: ReturnType<typeof setTimeout> | undefined;
  /** Whether `holdBusyLanes` referenced the timer (until the lane is idle again). */
  held: boolean;
  /** Its entry in the `beforeExit` watch list, removed when the lane is dropped. */
  ref: WeakRef<Lane>;
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
export interface Window {
  /** The clock read closing the window; `Infinity` while calls may join. */
  end: number;
}

const WINDOW_CALLS = 64;
const MIN_SOLO = 8;
const MAX_SOLO = 1024;

// Cached: the global `performance` is an accessor in Node.
const clock = performance;
const now = (): number => clock.now();

// Keys of the lane fields: symbols keep them off the plugin-visible context
// (`Object.keys`, `JSON.stringify`, spread) while staying ordinary properties.
export const LANE = Symbol("lane");
export const PREV = Symbol("prev");
export const NEXT = Symbol("next");
export const DEADLINE = Symbol("deadline");
export const WINDOW = Symbol("window");

/**
 * A call's place in its lane and its start time. `ActionCall` declares these
 * as plain fields, set in its constructor in this order (one hidden class);
 * only the functions below read or write them.
 */
export interface LaneEntry {
  [LANE]: Lane | undefined;
  [PREV]: LaneEntry | undefined;
  [NEXT]: LaneEntry | undefined;
  /** The deadline, when the call read the clock itself. */
  [DEADLINE]: number;
  /** The start window, when the call joined one. */
  [WINDOW]: Window | undefined;
}

/** Every entry still in one of `host`'s lanes. */
export function laneEntries<E extends LaneEntry>(host: Deadlines<E>): E[] {
  const entries: E[] = [];
  for (const lane of host.lanes.values()) for (let e = lane.head; e; e = e[NEXT]) entries.push(e as E);
  return entries;
}

/** Appends `entry` to the lane for `ms`, stamping its start (see {@link Window}). */
export function enterLane<E extends LaneEntry>(host: Deadlines<E>, entry: E, ms: number): void {
  let lane = host.lastLane;
  if (lane?.ms !== ms) {
    const previous = lane;
    lane = host.lanes.get(ms) ?? newLane(host, ms);
    host.lastLane = lane;
    // Only `lastLane` may stay while empty (see `Deadlines.lanes`).
    if (previous !== undefined && previous.head === undefined) dropLane(previous);
  }
  entry[LANE] = lane;
  if (host.solo > 0) {
    host.solo--;
    entry[DEADLINE] = now() + ms;
  } else {
    let window = host.window;
    if (window === undefined) {
      window = host.window = { end: Infinity };
      if (!host.flushQueued) {
        host.flushQueued = true;
        process.nextTick(flush, host);
      }
    }
    entry[WINDOW] = window;
    if (++host.windowed % WINDOW_CALLS === 0) closeWindow(host);
  }
  entry[PREV] = lane.tail;
  if (lane.tail) lane.tail[NEXT] = entry;
  else lane.head = entry;
  lane.tail = entry;
  lane.timer ??= arm(lane, ms);
}

/** Takes `entry` out of its lane, if it is in one. */
export function leaveLane(entry: LaneEntry): void {
  const lane = entry[LANE];
  if (lane === undefined) return;
  if (entry[PREV]) entry[PREV][NEXT] = entry[NEXT];
  else lane.head = entry[NEXT];
  if (entry[NEXT]) entry[NEXT][PREV] = entry[PREV];
  else lane.tail = entry[PREV];
  entry[LANE] = entry[PREV] = entry[NEXT] = undefined;
  if (lane.head === undefined) {
    if (lane.held) {
      lane.held = false;
      lane.timer?.unref();
    }
    // The common case (one timeout for every call) keeps its lane: it is `lastLane`.
    if (lane !== lane.host.lastLane) dropLane(lane);
  }
}

function newLane(host: Deadlines<never>, ms: number): Lane {
  const lane: Lane = {
    ms,
    host,
    head: undefined,
    tail: undefined,
    timer: undefined,
    held: false,
    ref: undefined as unknown as WeakRef<Lane>, // set below: it points at the lane
  };
  lane.ref = new WeakRef(lane);
  host.lanes.set(ms, lane);
  watchLane(lane);
  return lane;
}

/** Forgets an empty lane: its timer, its place in `host.lanes` and in the watch list. */
function dropLane(lane: Lane): void {
  if (lane.timer !== undefined) {
    clearTimeout(lane.timer);
    lane.timer = undefined;
  }
  lane.held = false;
  if (lane.host.lanes.get(lane.ms) === lane) lane.host.lanes.delete(lane.ms);
  watched.delete(lane.ref);
}

/**
 * A lane timer, due in at most `ms` (see {@link timerDelay}); none for
 * `Infinity`. A timer due before the lane's head is just re-armed by
 * {@link expire}. Unreferenced unless the lane is held (see {@link holdBusyLanes}).
 */
function arm(lane: Lane, ms: number): ReturnType<typeof setTimeout> | undefined {
  if (ms === Infinity) return undefined;
  const timer = setTimeout(expire, timerDelay(ms), lane);
  return lane.held ? timer : timer.unref();
}

/**
 * The delay a lane timer is set for: `ms` rounded down to a whole number of
 * milliseconds with at most 6 significant bits (from 64 ms on at most ~3 %
 * early; below, less than 1 ms), capped
 * at {@link MAX_TIMER_MS}. Node keeps a list per distinct delay, and keeps
 * ~110 bytes for each delay it ever saw even after its list is gone (Node
 * 20), so exact delays would grow memory with every distinct per-call
 * timeout; rounded ones take fewer than 900 values. The timer may fire a
 * little early, and then {@link expire} re-arms for what is left (measured
 * afresh): a call is still never timed out early, and late only by the last
 * timer's latency, as before.
 */
export function timerDelay(ms: number): number {
  if (!(ms < MAX_TIMER_MS)) return MAX_TIMER_MS;
  if (ms < 64) return ms < 1 ? 1 : Math.floor(ms);
  const whole = Math.floor(ms);
  const shift = 26 - Math.clz32(whole);
  return shift > 0 ? (whole >>> shift) << shift : whole;
}

/** The entry's deadline; closes its start window first if still open. */
function deadlineOf(entry: LaneEntry, host: Deadlines<never>, ms: number): number {
  const window = entry[WINDOW];
  if (window === undefined) return entry[DEADLINE];
  if (window.end === Infinity) closeWindow(host);
  return window.end + ms;
}

function expire(lane: Lane): void {
  lane.timer = undefined;
  const t = now();
  const host = lane.host;
  const timeOut = host.timeOut as (entry: LaneEntry, ms: number) => void;
  // Strictly due only: a timer that fires early (libuv counts whole
  // milliseconds, and a timeout above MAX_TIMER_MS arms in steps) re-arms
  // instead of cutting a call short.
  while (lane.head !== undefined && deadlineOf(lane.head, host, lane.ms) <= t) timeOut(lane.head, lane.ms);
  if (lane.head !== undefined) lane.timer = arm(lane, Math.max(1, Math.ceil(deadlineOf(lane.head, host, lane.ms) - t)));
}

/** Closes the open start window: every call in it started before this read. */
function closeWindow(host: Deadlines<never>): void {
  const window = host.window;
  if (window === undefined) return;
  host.window = undefined;
  window.end = now();
}

/** Runs when the tick and microtask queues drain: closes the window and adapts (see {@link Window}). */
function flush(host: Deadlines<never>): void {
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
 * A call without a limit (`Infinity`) has no timer, so it does not keep the
 * process alive by itself: only what its plugin is waiting on does.
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
  watched.add(lane.ref);
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
