/**
 * The attribute, span and metric names this package writes: the
 * OpenTelemetry GenAI semantic conventions where they name the thing, and a
 * `cortex.` name for what they do not cover (tiers, checkpoints, approvals).
 */
export const ATTR = {
  operationName: "gen_ai.operation.name",
  providerName: "gen_ai.provider.name",
  requestModel: "gen_ai.request.model",
  agentId: "gen_ai.agent.id",
  agentName: "gen_ai.agent.name",
  conversationId: "gen_ai.conversation.id",
  inputTokens: "gen_ai.usage.input_tokens",
  outputTokens: "gen_ai.usage.output_tokens",
  tokenType: "gen_ai.token.type",
  toolName: "gen_ai.tool.name",
  toolCallId: "gen_ai.tool.call.id",
  toolType: "gen_ai.tool.type",
  toolArguments: "gen_ai.tool.call.arguments",
  toolResult: "gen_ai.tool.call.result",
  inputMessages: "gen_ai.input.messages",
  outputMessages: "gen_ai.output.messages",
  errorType: "error.type",
  runId: "cortex.run.id",
  runStatus: "cortex.run.status",
  runResumed: "cortex.run.resumed",
  runContinued: "cortex.run.continued",
  orchestrationId: "cortex.orchestration.id",
  strategy: "cortex.orchestration.strategy",
  orchestrationStatus: "cortex.orchestration.status",
  orchestrationResumed: "cortex.orchestration.resumed",
  stepIndex: "cortex.step.index",
  plugin: "cortex.tool.plugin",
  action: "cortex.tool.action",
  tier: "cortex.tool.tier",
  checkpointId: "cortex.checkpoint.id",
  checkpointReason: "cortex.checkpoint.reason",
  checkpointWaitMs: "cortex.checkpoint.wait_ms",
  approved: "cortex.approval.approved",
  decidedBy: "cortex.approval.decided_by",
  approvalReason: "cortex.approval.reason",
  persona: "cortex.persona.name",
  behavior: "cortex.behavior.name",
  phaseFrom: "cortex.phase.from",
  phaseTo: "cortex.phase.to",
  handoffFrom: "cortex.handoff.from",
  handoffTo: "cortex.handoff.to",
  endedBy: "cortex.ended_by",
} as const;

/** The span event names, one per lifecycle moment that is not a span of its own. */
export const EVENT = {
  persona: "cortex.persona.resolved",
  behavior: "cortex.behavior.triggered",
  phase: "cortex.phase.changed",
  handoff: "cortex.agent.handoff",
  checkpoint: "cortex.checkpoint.created",
  decision: "cortex.checkpoint.resolved",
} as const;

/** The metric instrument names. */
export const METRIC = {
  tokenUsage: "gen_ai.client.token.usage",
  duration: "gen_ai.client.operation.duration",
  toolCalls: "cortex.tool.calls",
  approvals: "cortex.approvals",
  denials: "cortex.denials",
} as const;

/** `gen_ai.operation.name` values. */
export const OPERATION = {
  agent: "invoke_agent",
  workflow: "invoke_workflow",
  chat: "chat",
  tool: "execute_tool",
} as const;

/** Bucket boundaries the conventions advise for the two GenAI histograms. */
export const BUCKETS = {
  tokens: [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864],
  seconds: [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92],
} as const;
