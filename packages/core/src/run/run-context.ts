import type { HookBus } from "@cortex/hooks";
import { toJson } from "../json.js";
import type { Logger } from "@cortex/primitives";
import type { RunState } from "./run-state.js";

/** Which run an extension is told about: its ids, and the session it continues, when it has one. */
export interface RunRef {
  readonly runId: string;
  readonly agentId: string;
  readonly sessionId?: string;
}

/** A run this process is about to drive, as `runStarting` is told of it. */
export interface StartingRunRef extends RunRef {
  /** How the run comes back: resumed at a checkpoint, or continued after a crash (`engine.continueRun`). Absent for a new run. */
  readonly entry?: "resume" | "continue";
}

/** Which paused run an extension's saved context belongs to. */
export interface PausedRunRef extends RunRef {
  readonly checkpointId: string;
}

/**
 * What an extension may implement, beside its hooks, to keep data with a
 * paused run (a trace context, a correlation id): `saveRunContext` is called
 * right before the paused run is saved, and what it returns (JSON) is stored
 * with the run under the extension's name; `restoreRunContext` gets it back
 * when the run is resumed, in any process, before `checkpointResolved`.
 * `runStarting` is told of each run this process drives (new, resumed or
 * continued after a crash) before its first event, with what the hooks'
 * events do not carry (its session, how it comes back).
 * All are called synchronously; what they throw is logged and ignored.
 */
export interface RunContextCarrier {
  runStarting?(run: StartingRunRef): void;
  saveRunContext?(run: PausedRunRef): unknown;
  restoreRunContext?(run: PausedRunRef, saved: unknown): void;
}

/** The run state with the extensions' saved contexts, keyed by extension name; kept only while paused. */
type CarryingState = RunState & { extensionContext?: Record<string, unknown> };

function runRef(state: RunState): RunRef {
  const ref = { runId: state.runId, agentId: state.agentId };
  return state.sessionId === undefined ? ref : { ...ref, sessionId: state.sessionId };
}

function refOf(state: RunState): PausedRunRef | undefined {
  const checkpointId = state.checkpoint?.id;
  return checkpointId === undefined ? undefined : { ...runRef(state), checkpointId };
}

/**
 * The way every run this process drives comes in, before its first event:
 * each extension that wants to know is told of it (`runStarting`), then gets
 * back the context it saved when the run paused (`restoreRunContext`).
 */
export function enterRun(hooks: HookBus, state: RunState, kind: "start" | "resume" | "continue", logger: Logger): void {
  announceRun(hooks, state, kind, logger);
  restoreRunContexts(hooks, state, logger);
}

function announceRun(hooks: HookBus, state: RunState, kind: "start" | "resume" | "continue", logger: Logger): void {
  let ref: StartingRunRef | undefined;
  for (const name of hooks.list()) {
    const carrier = hooks.get(name) as RunContextCarrier | undefined;
    if (typeof carrier?.runStarting !== "function") continue;
    try {
      carrier.runStarting((ref ??= kind === "start" ? runRef(state) : { ...runRef(state), entry: kind }));
    } catch (error) {
      logger.warn("an extension failed on a starting run", { extension: name, runId: state.runId, error });
    }
  }
}

/** Asks each registered extension that carries a run context for it, and keeps the JSON ones in the state. */
export function saveRunContexts(hooks: HookBus, state: RunState, logger: Logger): void {
  const carrying = state as CarryingState;
  delete carrying.extensionContext;
  const ref = refOf(state);
  if (ref === undefined) return;
  for (const name of hooks.list()) {
    const carrier = hooks.get(name) as RunContextCarrier | undefined;
    if (typeof carrier?.saveRunContext !== "function") continue;
    try {
      const saved = carrier.saveRunContext(ref);
      if (saved === undefined) continue;
      const json = toJson(saved);
      if (json === undefined) throw new TypeError("the context is not JSON");
      (carrying.extensionContext ??= {})[name] = JSON.parse(json) as unknown;
    } catch (error) {
      logger.warn("an extension's run context was not saved", { extension: name, runId: state.runId, error });
    }
  }
}

/** Hands each registered extension the context it saved when the run paused, then drops them from the state. */
function restoreRunContexts(hooks: HookBus, state: RunState, logger: Logger): void {
  const carrying = state as CarryingState;
  const saved = carrying.extensionContext;
  // Every run comes through here: one that kept no context is left untouched.
  if (saved === undefined) return;
  delete carrying.extensionContext;
  const ref = refOf(state);
  if (ref === undefined) return;
  for (const [name, context] of Object.entries(saved)) {
    const carrier = hooks.get(name) as RunContextCarrier | undefined;
    if (typeof carrier?.restoreRunContext !== "function") continue;
    try {
      carrier.restoreRunContext(ref, context);
    } catch (error) {
      logger.warn("an extension's run context was not restored", { extension: name, runId: state.runId, error });
    }
  }
}
