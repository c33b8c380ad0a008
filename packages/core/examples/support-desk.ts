// A support desk in one file: a persona with behaviors and cognitive phases,
// a triage agent that hands off to billing, and a sequential orchestration.
// Runs offline with a ScriptedModel:  pnpm --filter @cortex/core example
import { ActionTier, PluginHealthStatus, PluginRegistry, silentLogger, type Plugin } from "@cortex/plugins";
import { FakeBroker, ScriptedModel } from "@cortex/testing";
import type { Extension } from "@cortex/hooks";
import { createEngine, HANDOFF_TOOL } from "../src/index.js";

class OrdersPlugin implements Plugin {
  readonly name = "orders";
  readonly version = "1.0.0";
  readonly description = "Looks up and refunds orders";
  setup = () => Promise.resolve();
  teardown = () => Promise.resolve();
  listActions() {
    const order = {
      type: "object",
      properties: { id: { type: "integer" } },
      required: ["id"],
      additionalProperties: false,
    };
    return [
      { name: "lookup", description: "Find an order by id", tier: ActionTier.AUTO, parameters: order },
      { name: "refund", description: "Refund an order", tier: ActionTier.CONFIRM, parameters: order },
    ];
  }
  executeAction(action: string, params: Record<string, unknown>) {
    if (action === "lookup")
      return Promise.resolve({ success: true, data: { id: params.id, total: 42, status: "delivered" } });
    if (action === "refund") return Promise.resolve({ success: true, data: { id: params.id, refunded: 42 } });
    return Promise.resolve({ success: false, error: `Unknown action: ${action}` });
  }
  health() {
    return Promise.resolve({ plugin: this.name, status: PluginHealthStatus.HEALTHY });
  }
}

// Prints every lifecycle event as it happens.
const narrator: Extension = {
  name: "narrator",
  onPersonaResolved: (e) => console.log(`persona   ${e.personaName} for ${e.agentId}`),
  onBehaviorTriggered: (e) => console.log(`behavior  ${e.behaviorName}`),
  onCognitivePhaseChanged: (e) => console.log(`phase     ${e.from} -> ${e.to}`),
  onAgentHandoff: (e) => console.log(`handoff   ${e.from} -> ${e.to}: ${JSON.stringify(e.payload)}`),
  onToolCalled: (e) => console.log(`tool      ${e.toolName} ${JSON.stringify(e.args)}`),
  onCheckpointCreated: (e) => console.log(`approval  ${e.reason}`),
  onRunCompleted: (e) => console.log(`done      ${e.agentId}: ${String(e.output)}`),
};

const plugins = new PluginRegistry({ broker: new FakeBroker(), logger: silentLogger });
plugins.register(new OrdersPlugin());

const model = new ScriptedModel([
  // triage hands the conversation to billing
  {
    toolCalls: [{ name: HANDOFF_TOOL, arguments: { agent: "billing", message: "Refund order 7, it arrived broken" } }],
  },
  // billing, phase "investigate": look the order up
  { toolCalls: [{ name: "orders__lookup", arguments: { id: 7 } }] },
  // billing, phase "resolve": refund it (CONFIRM: approved inline below)
  { toolCalls: [{ name: "orders__refund", arguments: { id: 7 } }] },
  { content: "Order 7 is refunded: 42 EUR will be back on your card in 3 days." },
]);

const engine = createEngine({
  model,
  plugins,
  extensions: [narrator],
  logger: silentLogger,
  approver: (request) => {
    console.log(`approver  approves ${request.toolName} ${JSON.stringify(request.params)}`);
    return { approved: true, decidedBy: "supervisor" };
  },
  personas: [
    {
      name: "ada",
      identity: "You are Ada, the billing specialist of Example Shop.",
      traits: ["precise", "warm"],
      communicationStyle: "short sentences, always state amounts",
      cognition: {
        initial: "investigate",
        phases: [
          {
            name: "investigate",
            instructions: "Find the facts first.",
            tools: ["orders.lookup"],
            transitions: [{ on: "toolCall", tool: "orders.lookup", to: "resolve" }],
          },
          { name: "resolve", instructions: "Fix the problem.", tools: ["orders.refund"] },
        ],
      },
      behaviors: [
        {
          name: "broken-goods",
          trigger: { on: "input", pattern: /broken|damaged/i },
          action: { type: "injectPrompt", text: "Apologize for the damaged item." },
        },
      ],
    },
  ],
  agents: [
    { id: "triage", instructions: "Route customers to the right desk.", tools: [], handoffs: ["billing"] },
    { id: "billing", persona: "ada", tools: ["orders.*"] },
  ],
});

const result = await engine.run("triage", "My order 7 arrived broken, I want my money back");
console.log(
  `result    ${result.status} after handoffs ${JSON.stringify(result.handoffs?.map((h) => `${h.from}->${h.to}`))}`,
);
console.log(`prompt    ${JSON.stringify(model.requests[1]!.messages[0])}`);
await engine.shutdown();
