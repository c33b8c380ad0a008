import { createOpenAI } from "@ai-sdk/openai";
import { expect } from "vitest";
import { aiSdkModel } from "../src/index.js";
import { describeProvider, KEY } from "./support/provider-suite.js";
import { PUBLISH_TOOL } from "./support/request.js";
import { openaiError, responsesEvents, responsesJson } from "./support/wire-openai.js";

// `openai("gpt-4.1-mini")` speaks OpenAI's Responses API.
describeProvider({
  name: "OpenAI (Responses API)",
  model: (baseURL, options) =>
    aiSdkModel(createOpenAI({ baseURL, apiKey: KEY })("gpt-4.1-mini"), { ...options, secrets: [KEY] }),
  json: (answer) => responsesJson(answer),
  events: (answer) => responsesEvents(answer),
  headers: { "x-request-id": "req_sse_1" },
  error: (status, message) => openaiError(status, message, "server_error", { "x-request-id": "req_err_1" }),
  rateLimit: (message) =>
    openaiError(429, message, "rate_limit_exceeded", { "x-request-id": "req_429", "retry-after-ms": "30" }),
  requestId: "req_429",
  keepsToolCallIds: true,
  checkRequest(received, streaming) {
    expect(received.path).toBe("/responses");
    expect(received.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(received.body).toMatchObject({
      model: "gpt-4.1-mini",
      input: [
        { role: "system", content: "You publish notes." },
        { role: "user", content: [{ type: "input_text", text: "publish hello" }] },
        { role: "assistant", content: [{ type: "output_text", text: "On it." }] },
        { type: "function_call", call_id: "call_1", name: "notes__publish", arguments: '{"text":"hello"}' },
        { type: "function_call_output", call_id: "call_1", output: '{"ok":true,"data":{"id":1}}' },
      ],
      tools: [
        {
          type: "function",
          name: PUBLISH_TOOL.name,
          description: PUBLISH_TOOL.description,
          parameters: PUBLISH_TOOL.parameters,
        },
      ],
    });
    expect(Boolean((received.body as { stream?: boolean }).stream)).toBe(streaming);
  },
});
