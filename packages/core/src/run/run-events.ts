import type { HookBus, HookEvent, HookName } from "@cortex/hooks";

/** The hooks whose events say which orchestration their run belongs to. */
type RunHook =
  | "runStarted"
  | "runCompleted"
  | "runFailed"
  | "stepStarted"
  | "stepCompleted"
  | "toolCalled"
  | "toolCompleted"
  | "toolFailed";

/**
 * Emits one run's events. The run, step and tool events of a run inside an
 * orchestration carry its `orchestrationId`; every other event goes out as given.
 */
export class RunEvents {
  constructor(
    readonly hooks: HookBus,
    private readonly orchestrationId: string | undefined,
  ) {}

  /** Emits a run, step or tool event, tagged with the run's orchestration when it has one. */
  run<H extends RunHook>(hook: H, event: HookEvent<H>): void {
    const { orchestrationId } = this;
    this.hooks.emit(hook, orchestrationId === undefined ? event : { ...event, orchestrationId });
  }

  /** Emits any other event as given. */
  emit<H extends Exclude<HookName, RunHook>>(hook: H, event: HookEvent<H>): void {
    this.hooks.emit(hook, event);
  }

  /** Whether any extension implements `hook`: an event nobody reads is not built. */
  heard(hook: HookName): boolean {
    return this.hooks.hasSubscribers(hook);
  }
}
