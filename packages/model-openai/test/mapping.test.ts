import { describe, expect, it } from "vitest";
import {
  ModelBadResponseError,
  ModelRefusedError,
  fromChatCompletion,
  toOpenAIMessages,
  toOpenAITools,
} from "../src/index.js";
import { completion } from "./fake-server.js";

describe("toOpenAIMessages", () => {
  it("maps every role, keeping order", () => {
    expect(
      toOpenAIMessages([
        { role: "system", content: "sys" },
        { role: "user", content: "hi" },
        { role: "assistant", content: "hello" },
        { role: "assistant" },
        { role: "assistant", toolCalls: [{ id: "c1", name: "p__a", arguments: { x: 1 } }] },
        { role: "tool", toolCallId: "c1", name: "p__a", content: "{}" },
      ]),
    ).toEqual([
      { role: "system", content: "sys" },
      { role: "user", content: "hi" },
      { role: "assistant", content: "hello" },
      { role: "assistant", content: "" },
      {
        role: "assistant",
        content: null,
        tool_calls: [{ id: "c1", type: "function", function: { name: "p__a", arguments: '{"x":1}' } }],
      },
      { role: "tool", tool_call_id: "c1", content: "{}" },
    ]);
  });

  it("keeps string arguments as they are and sends {} for missing ones", () => {
    const [withString, withNothing] = toOpenAIMessages([
      { role: "assistant", toolCalls: [{ id: "a", name: "p__a", arguments: '{ "raw" : true }' }] },
      { role: "assistant", toolCalls: [{ id: "b", name: "p__b", arguments: undefined }] },
    ]);
    expect(withString).toMatchObject({ tool_calls: [{ function: { arguments: '{ "raw" : true }' } }] });
    expect(withNothing).toMatchObject({ tool_calls: [{ function: { arguments: "{}" } }] });
  });
});

describe("toOpenAITools", () => {
  it("wraps each tool as a function tool", () => {
    const parameters = { type: "object", properties: {} };
    expect(toOpenAITools([{ name: "p__a", description: "Does a", parameters }])).toEqual([
      { type: "function", function: { name: "p__a", description: "Does a", parameters } },
    ]);
  });
});

describe("fromChatCompletion", () => {
  it("keeps text beside tool calls, drops empty text beside them, and omits missing ids", () => {
    const call = { type: "function", function: { name: "p__a", arguments: "{}" } };
    expect(fromChatCompletion(completion({ content: "thinking", tool_calls: [{ id: "c", ...call }] }), "m")).toEqual({
      content: "thinking",
      toolCalls: [{ id: "c", name: "p__a", arguments: "{}" }],
      finishReason: "stop",
    });
    expect(fromChatCompletion(completion({ content: "", tool_calls: [{ id: "", ...call }] }), "m")).toEqual({
      toolCalls: [{ name: "p__a", arguments: "{}" }],
      finishReason: "stop",
    });
  });

  it("returns an empty response for a message with neither text nor calls, and keeps empty text", () => {
    expect(fromChatCompletion(completion({}), "m")).toEqual({ finishReason: "stop" });
    expect(fromChatCompletion(completion({ content: "" }), "m")).toEqual({ content: "", finishReason: "stop" });
  });

  it("rejects bodies that are not completions", () => {
    for (const body of [null, "text", [], {}, { choices: "x" }, { choices: [null] }]) {
      expect(() => fromChatCompletion(body, "m")).toThrow(ModelBadResponseError);
    }
    expect(() => fromChatCompletion(completion({ tool_calls: "x" }), "m")).toThrow(/tool_calls/);
    expect(() =>
      fromChatCompletion(completion({ tool_calls: [{ id: "c", type: "custom", custom: { name: "x" } }] }), "m"),
    ).toThrow(/type "custom"/);
  });

  it("rejects a refusal, naming the model", () => {
    expect(() => fromChatCompletion(completion({ refusal: "no" }), "gpt-x")).toThrow(ModelRefusedError);
    expect(() => fromChatCompletion(completion({ refusal: "no" }), "gpt-x")).toThrow(
      /Model "gpt-x" refused to answer: no/,
    );
  });
});
