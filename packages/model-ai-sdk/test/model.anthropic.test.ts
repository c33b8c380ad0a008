import { createAnthropic } from "@ai-sdk/anthropic";
import { expect } from "vitest";
import { aiSdkModel } from "../src/index.js";
import { describeProvider, KEY } from "./support/provider-suite.js";
import { PUBLISH_TOOL } from "./support/request.js";
import { anthropicError, anthropicEvents, anthropicJson } from "./support/wire-anthropic.js";

describeProvider({
  name: "Anthropic (Messages API)",
  model: (baseURL, options) =>
    aiSdkModel(createAnthropic({ baseURL: `${baseURL}/v1`, apiKey: KEY })("claude-sonnet-4-5"), {
      ...options,
      secrets: [KEY],
    }),
  json: (answer) => anthropicJson(answer),
  events: (answer) => anthropicEvents(answer),
  headers: { "request-id": "req_ant_sse" },
  error: (status, message) => anthropicError(status, status === 529 ? "overloaded_error" : "api_error", message),
  rateLimit: (message) =>
    anthropicError(429, "rate_limit_error", message, { "request-id": "req_ant_429", "retry-after": "0.03" }),
  requestId: "req_ant_429",
  keepsToolCallIds: true,
  checkRequest(received, streaming) {
    expect(received.path).toBe("/v1/messages");
    expect(received.headers["x-api-key"]).toBe(KEY);
    expect(received.headers["anthropic-version"]).toBe("2023-06-01");
    expect(received.body).toMatchObject({
      model: "claude-sonnet-4-5",
      system: [{ type: "text", text: "You publish notes." }],
      messages: [
        { role: "user", content: [{ type: "text", text: "publish hello" }] },
        {
          role: "assistant",
          content: [
            { type: "text", text: "On it." },
            { type: "tool_use", id: "call_1", name: "notes__publish", input: { text: "hello" } },
          ],
        },
        {
          role: "user",
          content: [{ type: "tool_result", tool_use_id: "call_1", content: '{"ok":true,"data":{"id":1}}' }],
        },
      ],
      tools: [
        { name: PUBLISH_TOOL.name, description: PUBLISH_TOOL.description, input_schema: PUBLISH_TOOL.parameters },
      ],
    });
    expect(Boolean((received.body as { stream?: boolean }).stream)).toBe(streaming);
  },
});
