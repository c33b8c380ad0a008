import type { HookBus, HookEvent, HookName } from "@cortex/hooks";
import type { RunState } from "./run-state.js";
import type { RunStreamEvent } from "./stream-events.js";

/** The hooks a run emits; the others (orchestration, shutdown) belong to no run. */
export type RunHook = Exclude<HookName, "orchestrationStarted" | "orchestrationCompleted" | "shutdown">;

/** The hooks whose events say which orchestration their run belongs to. */
const TAGGED: ReadonlySet<HookName> = new Set<HookName>([
  "runStarted",
  "runCompleted",
  "runFailed",
  "stepStarted",
  "stepCompleted",
  "toolCalled",
  "toolCompleted",
  "toolFailed",
  "modelCalled",
  "modelCompleted",
  "modelFailed",
]);

/** What an event is given: its own fields; the run's order (and orchestration) are added here. */
export type RunEventFields<H extends RunHook> = Omit<HookEvent<H>, "seq" | "orchestrationId"> &
  (H extends "agentHandoff" ? { orchestrationId: string } : unknown);

/** Where a streamed run's events go (see `engine.stream`); pushing never waits. */
export interface RunSink {
  push(event: RunStreamEvent): void;
  /**
   * Given the controller of each run that pushes here, as it starts (a
   * handoff's next run too): aborting it ends that run, as a reader that
   * stops early does.
   */
  attach(run: AbortController): void;
}

/**
 * Emits one run's events. Each gets the run's next `seq` (kept in the run
 * state, so numbering goes on after a pause, in any process) whether or not
 * an extension listens, so the numbers an extension sees have no gaps for
 * any reason but a lost event. Run, step, tool and model events of a run
 * inside an orchestration carry its `orchestrationId`.
 */
export class RunEvents {
  constructor(
    readonly hooks: HookBus,
    private readonly state: RunState,
    /**
     * Set while the run is streamed. Call it as `sink?.push({ … })`: with no
     * stream, the event object is never built.
     */
    readonly sink: RunSink | undefined,
  ) {}

  /** Emits a run event with the run's next `seq`; `event` must be a fresh object (it is completed in place). */
  emit<H extends RunHook>(hook: H, event: RunEventFields<H>): void {
    this.emitAt(++this.state.seq, hook, event);
  }

  /**
   * Takes the next `seq` for an event emitted once something else is done
   * (a checkpoint is announced after the paused run is saved, and the saved
   * state must count it). `giveBack` returns it when the event never fires.
   */
  reserve(): { seq: number; giveBack: () => void } {
    const seq = ++this.state.seq;
    return {
      seq,
      giveBack: () => {
        if (this.state.seq === seq) this.state.seq -= 1;
      },
    };
  }

  /**
   * Emits a run event with a `seq` taken by {@link reserve}. The event object
   * is the caller's fresh literal, completed in place rather than copied.
   */
  emitAt<H extends RunHook>(seq: number, hook: H, event: RunEventFields<H>): void {
    if (!this.hooks.hasSubscribers(hook)) return;
    const full = event as RunEventFields<H> & { orchestrationId?: string; seq: number };
    const orchestrationId = TAGGED.has(hook) ? this.state.orchestration?.id : undefined;
    if (orchestrationId !== undefined) full.orchestrationId = orchestrationId;
    full.seq = seq;
    this.hooks.emit(hook, full as unknown as HookEvent<H>);
  }
}
