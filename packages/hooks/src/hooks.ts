/**
 * Every lifecycle hook Cortex emits: the 17 of the architecture table in its
 * order, then the three model hooks.
 * The closed set: {@link HookName}, {@link HookEventMap} and the extension
 * method names all derive from this list, so adding a hook is one edit here
 * plus its event type.
 */
export const HOOK_NAMES = [
  "runStarted",
  "runCompleted",
  "runFailed",
  "stepStarted",
  "stepCompleted",
  "toolCalled",
  "toolCompleted",
  "toolFailed",
  "personaResolved",
  "behaviorTriggered",
  "cognitivePhaseChanged",
  "checkpointCreated",
  "checkpointResolved",
  "orchestrationStarted",
  "orchestrationCompleted",
  "agentHandoff",
  "shutdown",
  "modelCalled",
  "modelCompleted",
  "modelFailed",
] as const;

/** One of the 20 lifecycle hook names in {@link HOOK_NAMES}. */
export type HookName = (typeof HOOK_NAMES)[number];

/**
 * The decision that resolves a checkpoint; the same shape an approver returns
 * and `engine.resolveCheckpoint(id, decision)` accepts.
 */
export interface ApprovalDecision {
  /** Whether the paused call may go ahead. */
  readonly approved: boolean;
  /** Who decided (a user id, `"policy"`, …), when known. */
  readonly decidedBy?: string;
  /** Why, in words a person can read in an audit log. */
  readonly reason?: string;
}

/** What every event of a run carries, whatever its hook: its place in the run's sequence of events. */
export interface RunEventOrder {
  /**
   * 1, 2, 3… for the events of one run, without gaps, continuing across
   * pauses and processes: a consumer that sees 7 after 5 missed one. The
   * engine always sets it; other emitters may leave it out.
   */
  readonly seq?: number;
}

/** What a tool event carries besides its run's order: the model's id for the call. */
export interface ToolCallIdentity extends RunEventOrder {
  /** The model's id for this call, as in the assistant message and in the tool message that answers it. */
  readonly toolCallId?: string;
}

/** Fires when an agent run begins, before its first step. */
export interface RunStartedEvent extends RunEventOrder {
  readonly agentId: string;
  readonly runId: string;
  readonly input: unknown;
  /** The orchestration the run belongs to, when it belongs to one. */
  readonly orchestrationId?: string;
}

/** Fires once when a run finishes with an answer. */
export interface RunCompletedEvent extends RunEventOrder {
  readonly agentId: string;
  readonly runId: string;
  readonly output: unknown;
  readonly elapsedMs: number;
  /** The orchestration the run belongs to, when it belongs to one. */
  readonly orchestrationId?: string;
}

/** Fires once when a run ends with an error instead of an answer. */
export interface RunFailedEvent extends RunEventOrder {
  readonly agentId: string;
  readonly runId: string;
  readonly error: unknown;
  /** The orchestration the run belongs to, when it belongs to one. */
  readonly orchestrationId?: string;
}

/** Fires when a reasoning step (one model turn) begins; `stepIndex` counts from 0. */
export interface StepStartedEvent extends RunEventOrder {
  readonly runId: string;
  readonly stepIndex: number;
  /** The orchestration the run belongs to, when it belongs to one. */
  readonly orchestrationId?: string;
}

/** Fires when a reasoning step finishes. */
export interface StepCompletedEvent extends RunEventOrder {
  readonly runId: string;
  readonly stepIndex: number;
  readonly elapsedMs: number;
  /** The orchestration the run belongs to, when it belongs to one. */
  readonly orchestrationId?: string;
}

/** Fires when a tool call begins; `toolName` is `<plugin>__<action>`. */
export interface ToolCalledEvent extends ToolCallIdentity {
  readonly runId: string;
  readonly toolName: string;
  readonly args: unknown;
  /** The orchestration the run belongs to, when it belongs to one. */
  readonly orchestrationId?: string;
}

/** Fires when a tool call succeeds. */
export interface ToolCompletedEvent extends ToolCallIdentity {
  readonly runId: string;
  readonly toolName: string;
  readonly result: unknown;
  readonly elapsedMs: number;
  /** The orchestration the run belongs to, when it belongs to one. */
  readonly orchestrationId?: string;
}

/** Fires when a tool call fails, is refused or times out. */
export interface ToolFailedEvent extends ToolCallIdentity {
  readonly runId: string;
  readonly toolName: string;
  readonly error: unknown;
  /** The orchestration the run belongs to, when it belongs to one. */
  readonly orchestrationId?: string;
}

/** Fires when an agent's persona has been loaded for a run. */
export interface PersonaResolvedEvent extends RunEventOrder {
  readonly agentId: string;
  readonly personaName: string;
  /** The run the persona was loaded for. Optional: emitters other than the engine may leave it out. */
  readonly runId?: string;
}

/** Fires when a behavior's trigger matched and its action runs. */
export interface BehaviorTriggeredEvent extends RunEventOrder {
  readonly runId: string;
  readonly behaviorName: string;
}

/** Fires on every cognitive phase transition within a run. */
export interface CognitivePhaseChangedEvent extends RunEventOrder {
  readonly runId: string;
  readonly from: string;
  readonly to: string;
}

/** Fires when a run pauses at a checkpoint (for example awaiting approval). */
export interface CheckpointCreatedEvent extends RunEventOrder {
  readonly checkpointId: string;
  readonly runId: string;
  readonly reason: string;
}

/** Fires when a checkpoint is resolved with a decision. */
export interface CheckpointResolvedEvent extends RunEventOrder {
  readonly checkpointId: string;
  readonly decision: ApprovalDecision;
  /** The run paused at the checkpoint. Optional: emitters other than the engine may leave it out. */
  readonly runId?: string;
}

/** Fires when a multi-agent orchestration begins. */
export interface OrchestrationStartedEvent {
  readonly orchestrationId: string;
  readonly strategy: string;
}

/** Fires when a multi-agent orchestration finishes. */
export interface OrchestrationCompletedEvent {
  readonly orchestrationId: string;
  readonly elapsedMs: number;
  /** How it ended; it fires on failure too. Optional: emitters other than the engine may leave it out. */
  readonly outcome?: "completed" | "failed";
}

/** Fires when one agent hands work to another within an orchestration. */
export interface AgentHandoffEvent extends RunEventOrder {
  readonly orchestrationId: string;
  readonly from: string;
  readonly to: string;
  readonly payload: unknown;
  /** The run that handed off, when a run's handoff tool did (not an orchestration passing work on). */
  readonly runId?: string;
}

/** Fires once during a graceful shutdown, before hooks are flushed. */
export interface ShutdownEvent {
  /** Why the runtime is shutting down, when the caller says. */
  readonly reason?: string;
}

/** Tokens a model call used, as the provider reported them. */
export interface ModelCallUsage {
  readonly inputTokens: number;
  readonly outputTokens: number;
}

/** Fires when a step asks the model, right before the request goes out. */
export interface ModelCalledEvent extends RunEventOrder {
  readonly runId: string;
  readonly stepIndex: number;
  /** The orchestration the run belongs to, when it belongs to one. */
  readonly orchestrationId?: string;
}

/** Fires when the model's answer to a step is complete, streamed or not. */
export interface ModelCompletedEvent extends RunEventOrder {
  readonly runId: string;
  readonly stepIndex: number;
  /** Tokens the call used, when the provider reported them. */
  readonly usage?: ModelCallUsage;
  /** From the request to the whole answer, in fractional milliseconds. */
  readonly elapsedMs: number;
  /** The orchestration the run belongs to, when it belongs to one. */
  readonly orchestrationId?: string;
}

/** Fires when a model call fails (throws, times out, is aborted, answers malformed); `runFailed` follows. */
export interface ModelFailedEvent extends RunEventOrder {
  readonly runId: string;
  readonly stepIndex: number;
  readonly error: unknown;
  /** The orchestration the run belongs to, when it belongs to one. */
  readonly orchestrationId?: string;
}

/**
 * The event object each hook receives. Events are shared by every extension
 * of one emit, so they are typed read-only: treat them as such.
 */
export interface HookEventMap {
  runStarted: RunStartedEvent;
  runCompleted: RunCompletedEvent;
  runFailed: RunFailedEvent;
  stepStarted: StepStartedEvent;
  stepCompleted: StepCompletedEvent;
  toolCalled: ToolCalledEvent;
  toolCompleted: ToolCompletedEvent;
  toolFailed: ToolFailedEvent;
  personaResolved: PersonaResolvedEvent;
  behaviorTriggered: BehaviorTriggeredEvent;
  cognitivePhaseChanged: CognitivePhaseChangedEvent;
  checkpointCreated: CheckpointCreatedEvent;
  checkpointResolved: CheckpointResolvedEvent;
  orchestrationStarted: OrchestrationStartedEvent;
  orchestrationCompleted: OrchestrationCompletedEvent;
  agentHandoff: AgentHandoffEvent;
  shutdown: ShutdownEvent;
  modelCalled: ModelCalledEvent;
  modelCompleted: ModelCompletedEvent;
  modelFailed: ModelFailedEvent;
}

// Fails to compile if HookEventMap and HOOK_NAMES ever drift apart.
type Exactly<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type AssertTrue<T extends true> = T;
type _MapCoversEveryHook = AssertTrue<Exactly<keyof HookEventMap, HookName>>;

/** The event type of hook `H`. */
export type HookEvent<H extends HookName> = HookEventMap[H];

/** The extension method that implements hook `H`: `runStarted` → `onRunStarted`. */
export type HookMethodName<H extends HookName = HookName> = `on${Capitalize<H>}`;

function toMethodName<H extends HookName>(hook: H): HookMethodName<H> {
  return `on${hook.charAt(0).toUpperCase()}${hook.slice(1)}` as HookMethodName<H>;
}

/** Every hook's extension method name, keyed by hook; built once at load. */
export const HOOK_METHOD_NAMES: { readonly [H in HookName]: HookMethodName<H> } = Object.freeze(
  Object.fromEntries(HOOK_NAMES.map((hook) => [hook, toMethodName(hook)])) as {
    [H in HookName]: HookMethodName<H>;
  },
);

const HOOK_SET: ReadonlySet<string> = new Set(HOOK_NAMES);

const HOOK_BY_METHOD: ReadonlyMap<string, HookName> = new Map(
  HOOK_NAMES.map((hook) => [HOOK_METHOD_NAMES[hook], hook]),
);

/** The method name an extension defines to implement `hook`. Pure; never throws for a known hook. */
export function hookMethodName<H extends HookName>(hook: H): HookMethodName<H> {
  return HOOK_METHOD_NAMES[hook];
}

/** The hook a method name implements (`onRunStarted` → `runStarted`), or `undefined`. */
export function hookForMethod(method: string): HookName | undefined {
  return HOOK_BY_METHOD.get(method);
}

/** True when `value` is one of the 20 hook names; narrows a string from outside. */
export function isHookName(value: unknown): value is HookName {
  return typeof value === "string" && HOOK_SET.has(value);
}
