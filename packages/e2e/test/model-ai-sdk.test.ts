import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mustRun, npmInstall, removeProject, tempProject, WORKSPACE } from "./support/pack.js";

// @cortex/model-ai-sdk as users get it: its tarball (and that of
// @cortex/primitives, which it depends on) installed by npm into a project
// outside the workspace, beside one real provider package from the npm
// registry. The script talks to a node:http server on 127.0.0.1 that
// speaks chat completions, the way Ollama does.

const PACKED = { "@cortex/primitives": "packages/primitives", "@cortex/model-ai-sdk": "packages/model-ai-sdk" };

const SCRIPT = `import { createServer } from "node:http";
import { modelFromEnv, modelFromSpec } from "@cortex/model-ai-sdk";

const requests = [];
const server = createServer(async (req, res) => {
  let text = "";
  for await (const chunk of req) text += chunk;
  const body = JSON.parse(text);
  requests.push({ path: req.url, stream: body.stream === true, messages: body.messages.length, tools: body.tools?.length });
  const call = { id: "call_1", type: "function", function: { name: "notes__publish", arguments: '{"text":"hi"}' } };
  if (!body.stream) {
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({
      id: "c1", object: "chat.completion", created: 1, model: body.model,
      choices: [{ index: 0, message: { role: "assistant", content: null, tool_calls: [call] }, finish_reason: "tool_calls" }],
      usage: { prompt_tokens: 12, completion_tokens: 5, total_tokens: 17 },
    }));
    return;
  }
  res.writeHead(200, { "content-type": "text/event-stream" });
  const chunk = (choices, extra = {}) => "data: " + JSON.stringify({ id: "c2", object: "chat.completion.chunk", created: 1, model: body.model, choices, ...extra }) + "\\n\\n";
  for (const content of ["Pub", "lished."]) res.write(chunk([{ index: 0, delta: { content }, finish_reason: null }]));
  res.write(chunk([{ index: 0, delta: {}, finish_reason: "stop" }]));
  res.write(chunk([], { usage: { prompt_tokens: 20, completion_tokens: 2, total_tokens: 22 } }));
  res.end("data: [DONE]\\n\\n");
});
await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
const url = "http://127.0.0.1:" + server.address().port + "/v1";

const model = await modelFromEnv({ env: { CORTEX_MODEL: "ollama:llama3.2", CORTEX_MODEL_BASE_URL: url } });
const request = {
  messages: [{ role: "system", content: "You publish notes." }, { role: "user", content: "publish hi" }],
  tools: [{ name: "notes__publish", description: "Publish a note", parameters: { type: "object", properties: { text: { type: "string" } } } }],
  signal: new AbortController().signal,
  agentId: "assistant",
  runId: "run-1",
};
const answer = await model.generate(request);
const parts = [];
for await (const part of model.stream(request)) parts.push(part);
let missing;
try {
  await modelFromSpec("anthropic:claude-sonnet-4-5", { env: { ANTHROPIC_API_KEY: "sk-not-used" } });
} catch (error) {
  missing = { code: error.code, message: error.message };
}
server.close();
console.log(JSON.stringify({ provider: model.provider, answer, parts, missing, requests }));
`;

// The CommonJS entry point, whose dynamic import of the provider package must work too.
const CJS_SCRIPT = `const { aiSdkModel, modelFromSpec, AI_SDK_PROVIDERS } = require("@cortex/model-ai-sdk");
modelFromSpec("ollama:llama3.2", { env: {} }).then((model) => {
  console.log(JSON.stringify({ aiSdkModel: typeof aiSdkModel, anthropic: AI_SDK_PROVIDERS.anthropic.package, provider: model.provider }));
});
`;

let project: string | undefined;
let staging: string | undefined;
let tarballs: Record<keyof typeof PACKED, string>;

beforeAll(async () => {
  staging = await mkdtemp(join(tmpdir(), "cortex-e2e-ai-sdk-tarballs-"));
  const packed = await Promise.all(
    Object.entries(PACKED).map(async ([name, folder]) => {
      const { stdout } = await mustRun("pnpm", ["pack", "--pack-destination", staging!], {
        cwd: join(WORKSPACE, folder),
      });
      return [name, stdout.trim().split("\n").at(-1)!.trim()] as const;
    }),
  );
  tarballs = Object.fromEntries(packed) as typeof tarballs;
  project = await tempProject("cortex-e2e-ai-sdk-");
  const overrides = Object.fromEntries(Object.entries(tarballs).map(([name, file]) => [name, `file:${file}`]));
  const dependencies = {
    "@cortex/model-ai-sdk": overrides["@cortex/model-ai-sdk"],
    "@ai-sdk/openai-compatible": "^2.0.92",
  };
  await writeFile(
    join(project, "package.json"),
    JSON.stringify({ name: "cortex-e2e-ai-sdk", private: true, type: "module", dependencies, overrides }, null, 2),
  );
  await npmInstall(project);
  await writeFile(join(project, "run.mjs"), SCRIPT);
  await writeFile(join(project, "run.cjs"), CJS_SCRIPT);
});

afterAll(async () => {
  await removeProject(project);
  if (staging !== undefined) await rm(staging, { recursive: true, force: true });
});

describe("the published @cortex/model-ai-sdk", () => {
  it("installs from its tarball, outside the workspace, with real dependency ranges", async () => {
    for (const name of Object.keys(PACKED)) {
      const installed = join(project!, "node_modules", name);
      expect(installed.startsWith(WORKSPACE)).toBe(false);
      const pkg = JSON.parse(await readFile(join(installed, "package.json"), "utf8")) as Record<string, unknown>;
      expect(JSON.stringify(pkg.dependencies ?? {})).not.toContain("workspace:");
    }
  });

  it("runs a model made from CORTEX_MODEL against a loopback server, and names a provider package that is missing", async () => {
    const { stdout } = await mustRun(process.execPath, ["run.mjs"], { cwd: project! });
    const result = JSON.parse(stdout) as Record<string, unknown>;
    expect(result.provider).toBe("ollama.chat");
    expect(result.answer).toEqual({
      toolCalls: [{ id: "call_1", name: "notes__publish", arguments: '{"text":"hi"}' }],
      usage: { inputTokens: 12, outputTokens: 5 },
      finishReason: "tool-calls",
    });
    expect(result.parts).toEqual([
      { type: "text-delta", text: "Pub" },
      { type: "text-delta", text: "lished." },
      { type: "finish", usage: { inputTokens: 20, outputTokens: 2 }, finishReason: "stop" },
    ]);
    expect(result.requests).toEqual([
      { path: "/v1/chat/completions", stream: false, messages: 2, tools: 1 },
      { path: "/v1/chat/completions", stream: true, messages: 2, tools: 1 },
    ]);
    expect(result.missing).toEqual({
      code: "CORTEX_MODEL_CONFIG",
      message: expect.stringContaining("npm install @ai-sdk/anthropic") as unknown,
    });
  });

  it("loads through require() too", async () => {
    const { stdout } = await mustRun(process.execPath, ["run.cjs"], { cwd: project! });
    expect(JSON.parse(stdout)).toEqual({
      aiSdkModel: "function",
      anthropic: "@ai-sdk/anthropic",
      provider: "ollama.chat",
    });
  });
});
