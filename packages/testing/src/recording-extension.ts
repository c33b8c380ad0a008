import { HOOK_NAMES, hookMethodName, type Extension, type HookEvent, type HookName } from "@cortex/hooks";

/** One recorded hook call. */
export interface RecordedEvent<H extends HookName = HookName> {
  hook: H;
  event: HookEvent<H>;
}

/**
 * An extension that implements every hook (`HOOK_NAMES`) and records every
 * event in the order the bus delivered it. Use it to assert what an engine
 * emitted.
 */
export class RecordingExtension implements Extension {
  readonly name: string;
  /** Every event so far, in order. */
  readonly events: RecordedEvent[] = [];

  // The hook methods are defined in the constructor from HOOK_NAMES; these declarations type them.
  declare readonly onRunStarted: (event: HookEvent<"runStarted">) => void;
  declare readonly onRunCompleted: (event: HookEvent<"runCompleted">) => void;
  declare readonly onRunFailed: (event: HookEvent<"runFailed">) => void;
  declare readonly onStepStarted: (event: HookEvent<"stepStarted">) => void;
  declare readonly onStepCompleted: (event: HookEvent<"stepCompleted">) => void;
  declare readonly onToolCalled: (event: HookEvent<"toolCalled">) => void;
  declare readonly onToolCompleted: (event: HookEvent<"toolCompleted">) => void;
  declare readonly onToolFailed: (event: HookEvent<"toolFailed">) => void;
  declare readonly onPersonaResolved: (event: HookEvent<"personaResolved">) => void;
  declare readonly onBehaviorTriggered: (event: HookEvent<"behaviorTriggered">) => void;
  declare readonly onCognitivePhaseChanged: (event: HookEvent<"cognitivePhaseChanged">) => void;
  declare readonly onCheckpointCreated: (event: HookEvent<"checkpointCreated">) => void;
  declare readonly onCheckpointResolved: (event: HookEvent<"checkpointResolved">) => void;
  declare readonly onOrchestrationStarted: (event: HookEvent<"orchestrationStarted">) => void;
  declare readonly onOrchestrationCompleted: (event: HookEvent<"orchestrationCompleted">) => void;
  declare readonly onAgentHandoff: (event: HookEvent<"agentHandoff">) => void;
  declare readonly onShutdown: (event: HookEvent<"shutdown">) => void;
  declare readonly onModelCalled: (event: HookEvent<"modelCalled">) => void;
  declare readonly onModelCompleted: (event: HookEvent<"modelCompleted">) => void;
  declare readonly onModelFailed: (event: HookEvent<"modelFailed">) => void;

  constructor(name = "recording") {
    this.name = name;
    for (const hook of HOOK_NAMES) {
      Object.defineProperty(this, hookMethodName(hook), {
        value: (event: HookEvent<typeof hook>) => {
          this.events.push({ hook, event });
        },
        enumerable: false,
      });
    }
  }

  /** The events of one hook, in order, typed by the hook. */
  ofHook<H extends HookName>(hook: H): HookEvent<H>[] {
    return this.events.filter((recorded) => recorded.hook === hook).map((recorded) => recorded.event as HookEvent<H>);
  }

  /** The hook names in the order they fired, optionally only those of one run. */
  hooks(filter?: { runId?: string }): HookName[] {
    return this.events
      .filter(
        (recorded) => filter?.runId === undefined || (recorded.event as { runId?: string }).runId === filter.runId,
      )
      .map((recorded) => recorded.hook);
  }

  /**
   * The `seq` of each event of one run, in the order they arrived: 1, 2, 3…
   * when none was lost (events without a `seq` are left out).
   */
  seqs(runId: string): number[] {
    const seqs: number[] = [];
    for (const { event } of this.events) {
      const { runId: own, seq } = event as { runId?: string; seq?: number };
      if (own === runId && seq !== undefined) seqs.push(seq);
    }
    return seqs;
  }

  /** How many times a hook fired. */
  count(hook: HookName): number {
    return this.events.reduce((n, recorded) => (recorded.hook === hook ? n + 1 : n), 0);
  }

  /** Forgets everything recorded so far. */
  clear(): void {
    this.events.length = 0;
  }
}
