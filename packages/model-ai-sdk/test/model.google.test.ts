import { createGoogleGenerativeAI } from "@ai-sdk/google";
import { expect } from "vitest";
import { aiSdkModel } from "../src/index.js";
import { describeProvider, KEY } from "./support/provider-suite.js";
import { googleError, googleEvents, googleJson } from "./support/wire-google.js";

describeProvider({
  name: "Google (Gemini API)",
  model: (baseURL, options) =>
    aiSdkModel(createGoogleGenerativeAI({ baseURL: `${baseURL}/v1beta`, apiKey: KEY })("gemini-2.5-flash"), {
      ...options,
      secrets: [KEY],
    }),
  json: (answer) => googleJson(answer),
  events: (answer) => googleEvents(answer),
  error: (status, message) => googleError(status, status === 503 ? "UNAVAILABLE" : "INTERNAL", message),
  // Gemini says how long to wait in the body (a RetryInfo detail), not in a header.
  rateLimit: (message) => ({
    kind: "json",
    status: 429,
    body: {
      error: {
        code: 429,
        message,
        status: "RESOURCE_EXHAUSTED",
        details: [{ "@type": "type.googleapis.com/google.rpc.RetryInfo", retryDelay: "0.030s" }],
      },
    },
  }),
  keepsToolCallIds: false,
  checkRequest(received, streaming) {
    expect(received.path).toBe(
      streaming
        ? "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse"
        : "/v1beta/models/gemini-2.5-flash:generateContent",
    );
    expect(received.headers["x-goog-api-key"]).toBe(KEY);
    const body = received.body as Record<string, unknown>;
    expect(body).toMatchObject({
      systemInstruction: { parts: [{ text: "You publish notes." }] },
      contents: [
        { role: "user", parts: [{ text: "publish hello" }] },
        {
          role: "model",
          parts: [{ text: "On it." }, { functionCall: { name: "notes__publish", args: { text: "hello" } } }],
        },
        {
          role: "user",
          parts: [
            {
              functionResponse: {
                name: "notes__publish",
                response: { name: "notes__publish", content: '{"ok":true,"data":{"id":1}}' },
              },
            },
          ],
        },
      ],
    });
    const tools = body.tools as {
      functionDeclarations: { name: string; description: string; parameters: unknown }[];
    }[];
    expect(tools[0]!.functionDeclarations).toMatchObject([
      {
        name: "notes__publish",
        description: "Publish a note",
        parameters: { type: "object", properties: { text: { type: "string" } }, required: ["text"] },
      },
    ]);
  },
});
