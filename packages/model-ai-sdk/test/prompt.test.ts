import type { ModelMessage } from "@cortex/primitives";
import { describe, expect, it } from "vitest";
import { requestOptions, toPrompt, toTools } from "../src/prompt.js";
import { PUBLISH_TOOL, ROUND, request } from "./support/request.js";

describe("toPrompt", () => {
  it("maps each role to the specification's message, in order", () => {
    expect(toPrompt(ROUND)).toEqual([
      { role: "system", content: "You publish notes." },
      { role: "user", content: [{ type: "text", text: "publish hello" }] },
      {
        role: "assistant",
        content: [
          { type: "text", text: "On it." },
          { type: "tool-call", toolCallId: "call_1", toolName: "notes__publish", input: { text: "hello" } },
        ],
      },
      {
        role: "tool",
        content: [
          {
            type: "tool-result",
            toolCallId: "call_1",
            toolName: "notes__publish",
            output: { type: "text", value: '{"ok":true,"data":{"id":1}}' },
          },
        ],
      },
    ]);
  });

  it("puts the answers to one turn's tool calls in one tool message", () => {
    const messages: ModelMessage[] = [
      {
        role: "assistant",
        toolCalls: [
          { id: "a", name: "x__y", arguments: {} },
          { id: "b", name: "x__y", arguments: {} },
        ],
      },
      { role: "tool", toolCallId: "a", name: "x__y", content: "1" },
      { role: "tool", toolCallId: "b", name: "x__y", content: "2" },
      { role: "user", content: "and now?" },
      { role: "tool", toolCallId: "c", name: "x__y", content: "3" },
    ];
    const prompt = toPrompt(messages);
    expect(prompt.map((message) => message.role)).toEqual(["assistant", "tool", "user", "tool"]);
    expect(prompt[1]!.content).toHaveLength(2);
    expect(prompt[3]!.content).toHaveLength(1);
  });

  it("replays tool-call arguments as values: JSON text parsed, text that is not JSON kept, nothing as {}", () => {
    const prompt = toPrompt([
      {
        role: "assistant",
        content: "",
        toolCalls: [
          { id: "a", name: "x__y", arguments: '{"n":1}' },
          { id: "b", name: "x__y", arguments: "not json" },
          { id: "c", name: "x__y", arguments: "  " },
          { id: "d", name: "x__y", arguments: undefined },
        ],
      },
    ]);
    expect(prompt).toEqual([
      {
        role: "assistant",
        content: [
          { type: "tool-call", toolCallId: "a", toolName: "x__y", input: { n: 1 } },
          { type: "tool-call", toolCallId: "b", toolName: "x__y", input: "not json" },
          { type: "tool-call", toolCallId: "c", toolName: "x__y", input: {} },
          { type: "tool-call", toolCallId: "d", toolName: "x__y", input: {} },
        ],
      },
    ]);
  });

  it("leaves out an assistant message that says nothing", () => {
    expect(
      toPrompt([{ role: "assistant" }, { role: "assistant", content: "" }, { role: "user", content: "hi" }]),
    ).toEqual([{ role: "user", content: [{ type: "text", text: "hi" }] }]);
  });
});

describe("requestOptions", () => {
  it("passes each tool's JSON Schema unchanged, and no tools key when there are none", () => {
    expect(toTools([PUBLISH_TOOL])).toEqual([
      {
        type: "function",
        name: PUBLISH_TOOL.name,
        description: PUBLISH_TOOL.description,
        inputSchema: PUBLISH_TOOL.parameters,
      },
    ]);
    expect(toTools([PUBLISH_TOOL])[0]!.inputSchema).toBe(PUBLISH_TOOL.parameters);
    expect(requestOptions(request(ROUND, { tools: [] }))).not.toHaveProperty("tools");
  });

  it("asks for JSON with the schema when the engine wants structured output, and for nothing special otherwise", () => {
    const schema = { type: "object", properties: { answer: { type: "string" } } };
    expect(
      requestOptions(
        request(ROUND, { responseFormat: { type: "json", schema, name: "Answer", description: "The answer" } }),
      ).responseFormat,
    ).toEqual({ type: "json", schema, name: "Answer", description: "The answer" });
    expect(requestOptions(request(ROUND, { responseFormat: { type: "json" } })).responseFormat).toEqual({
      type: "json",
    });
    expect(requestOptions(request(ROUND, { responseFormat: { type: "text" } }))).not.toHaveProperty("responseFormat");
  });
});
