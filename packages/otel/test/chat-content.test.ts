import { describe, expect, it } from "vitest";
import { ScriptedModel } from "@cortex/testing";
import { OpenTelemetryExtension } from "../src/index.js";
import { answer, API_KEY, call, setup } from "./support.js";

const script = () => [call("notes__add", { text: `key ${API_KEY}` }, "c1"), answer(`added with ${API_KEY}`)];

const json = (value: unknown): unknown => JSON.parse(String(value));

describe("chat spans' messages (OpenTelemetryExtension.model)", () => {
  it("records each call's request messages and answer on its chat span, redacted, with captureContent", async () => {
    const { engine, spans } = setup(script(), {
      otel: { captureContent: true, secrets: () => [API_KEY] },
      wrapModel: true,
    });
    const result = await engine.run("assistant", `remember ${API_KEY}`);
    expect(result.status).toBe("completed");
    const chats = spans().filter((span) => span.name === "chat scripted-1");
    expect(chats).toHaveLength(2);
    const [first, second] = chats;
    expect(json(first!.attributes["gen_ai.input.messages"])).toEqual([
      { role: "system", parts: [{ type: "text", content: "You keep notes." }] },
      { role: "user", parts: [{ type: "text", content: "remember [REDACTED]" }] },
    ]);
    expect(json(first!.attributes["gen_ai.output.messages"])).toEqual([
      {
        role: "assistant",
        parts: [{ type: "tool_call", id: "c1", name: "notes__add", arguments: { text: "key [REDACTED]" } }],
        finish_reason: "tool_call",
      },
    ]);
    const history = json(second!.attributes["gen_ai.input.messages"]) as { role: string; parts: unknown[] }[];
    expect(history.map((message) => message.role)).toEqual(["system", "user", "assistant", "tool"]);
    expect(history[3]!.parts).toEqual([
      { type: "tool_call_response", id: "c1", response: expect.stringContaining("[REDACTED]") as unknown },
    ]);
    expect(json(second!.attributes["gen_ai.output.messages"])).toEqual([
      { role: "assistant", parts: [{ type: "text", content: "added with [REDACTED]" }], finish_reason: "stop" },
    ]);
    expect(JSON.stringify(spans().map((span) => span.attributes))).not.toContain(API_KEY);
  });

  it("records a streamed answer the same way", async () => {
    const { engine, spans } = setup(script(), { otel: { captureContent: true }, wrapModel: true });
    const stream = engine.stream("assistant", "add a key");
    for await (const part of stream) void part;
    expect((await stream.result).status).toBe("completed");
    const chats = spans().filter((span) => span.name === "chat scripted-1");
    expect(json(chats[0]!.attributes["gen_ai.output.messages"])).toEqual([
      {
        role: "assistant",
        parts: [{ type: "tool_call", id: "c1", name: "notes__add", arguments: { text: `key ${API_KEY}` } }],
        finish_reason: "tool_call",
      },
    ]);
    expect(json(chats[1]!.attributes["gen_ai.output.messages"])).toEqual([
      { role: "assistant", parts: [{ type: "text", content: `added with ${API_KEY}` }], finish_reason: "stop" },
    ]);
  });

  it("records no message without captureContent: the model is given back as it is", async () => {
    const inner = new ScriptedModel([answer("hi")]);
    expect(new OpenTelemetryExtension().model(inner)).toBe(inner);
    const { engine, spans } = setup(script(), { wrapModel: true });
    await engine.run("assistant", "add");
    for (const span of spans()) {
      expect(span.attributes).not.toHaveProperty("gen_ai.input.messages");
      expect(span.attributes).not.toHaveProperty("gen_ai.output.messages");
    }
  });

  it("never fails a model call: content that cannot be written is left out", async () => {
    const secrets = (): string[] => {
      throw new Error("the secret store is down");
    };
    const { engine, spans } = setup(script(), { otel: { captureContent: true, secrets }, wrapModel: true });
    const result = await engine.run("assistant", "add");
    expect(result).toMatchObject({ status: "completed", output: `added with ${API_KEY}` });
    const chats = spans().filter((span) => span.name === "chat scripted-1");
    expect(chats).toHaveLength(2);
    for (const span of chats) expect(span.attributes).not.toHaveProperty("gen_ai.input.messages");
  });
});
