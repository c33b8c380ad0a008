import { AI_SDK_PROVIDERS } from "@cortex/model-ai-sdk";
import { OpenAIChatModel } from "@cortex/model-openai";
import { describe, expect, it } from "vitest";
import { AI_SDK_PROVIDER_NAMES, importAiSdk, modelFromEnvironment } from "../src/model-select.js";
import { importOptional } from "../src/optional.js";

const local = { CORTEX_MODEL_BASE_URL: "http://127.0.0.1:9/v1" };
/** The loader as it fails where @cortex/model-ai-sdk is not installed: Node's own error for the package. */
const missing = () =>
  importOptional("@cortex/model-ai-sdk", "run", () =>
    Promise.reject(
      Object.assign(new Error("Cannot find package '@cortex/model-ai-sdk' imported from /app/cli.js"), {
        code: "ERR_MODULE_NOT_FOUND",
      }),
    ),
  );

describe("modelFromEnvironment", () => {
  it("knows the same providers as the installed @cortex/model-ai-sdk", () => {
    expect([...AI_SDK_PROVIDER_NAMES].sort()).toEqual(Object.keys(AI_SDK_PROVIDERS).sort());
  });

  it("uses @cortex/model-ai-sdk for provider:model when the provider is one of its own", async () => {
    const model = await modelFromEnvironment({ ...local, CORTEX_MODEL: "ollama:llama3.2:3b" });
    expect(model).not.toBeInstanceOf(OpenAIChatModel);
    expect(typeof model.stream).toBe("function");
  });

  it("keeps a model on an OpenAI-compatible server for any other name, colons included", async () => {
    for (const name of ["gpt-4o-mini", "llama3.1:8b", "qwen2:7b", "Qwen/Qwen2.5-7B-Instruct"]) {
      const model = await modelFromEnvironment({ ...local, CORTEX_MODEL: name });
      expect(model).toBeInstanceOf(OpenAIChatModel);
      expect((model as OpenAIChatModel).model).toBe(name);
    }
  });

  it("names the package to install when a provider needs @cortex/model-ai-sdk and it is missing", async () => {
    const error = await modelFromEnvironment({ CORTEX_MODEL: "anthropic:claude-sonnet-4-5" }, missing).catch(
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ code: "CORTEX_CLI_MISSING_PACKAGE" });
    expect((error as Error).message).toContain("@cortex/model-ai-sdk");
    // Without the package, a name that is no provider still works as before.
    await expect(modelFromEnvironment({ ...local, CORTEX_MODEL: "qwen2:7b" }, missing)).resolves.toBeInstanceOf(
      OpenAIChatModel,
    );
  });

  it("refuses an unset CORTEX_MODEL with CORTEX_CLI_MODEL_NOT_CONFIGURED", async () => {
    await expect(modelFromEnvironment({})).rejects.toMatchObject({ code: "CORTEX_CLI_MODEL_NOT_CONFIGURED" });
  });

  it("imports the installed @cortex/model-ai-sdk", async () => {
    expect((await importAiSdk())?.AI_SDK_PROVIDERS).toBe(AI_SDK_PROVIDERS);
  });
});
