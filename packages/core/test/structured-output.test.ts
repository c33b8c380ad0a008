import { describe, expect, it } from "vitest";
import { z } from "zod";
import { MemoryRunStore, OutputInvalidError } from "../src/index.js";
import { call, setup } from "./support.js";

const Contact = z.object({ name: z.string(), email: z.string().email(), tags: z.array(z.string()).optional() });

const contactJsonSchema = {
  type: "object",
  properties: { name: { type: "string" }, email: { type: "string", format: "email" } },
  required: ["name", "email"],
  additionalProperties: false,
};

describe("structured output", () => {
  it("asks for JSON with the zod schema's JSON Schema, and gives the parsed value", async () => {
    const { engine, model } = setup([{ content: '{"name":"Ana","email":"ana@example.com"}' }]);
    const result = await engine.run("assistant", "Who wrote?", { output: Contact });
    expect(result).toMatchObject({ status: "completed", value: { name: "Ana", email: "ana@example.com" } });
    expect(result.output).toBe('{"name":"Ana","email":"ana@example.com"}');
    const format = model.requests[0]!.responseFormat;
    expect(format).toMatchObject({
      type: "json",
      name: "output",
      schema: { type: "object", required: ["name", "email"] },
    });
  });

  it("accepts an answer in one fenced code block, as models often give it", async () => {
    const { engine } = setup([{ content: '```json\n{"name":"Ana","email":"ana@example.com"}\n```' }]);
    expect((await engine.run("assistant", "x", { output: Contact })).value).toEqual({
      name: "Ana",
      email: "ana@example.com",
    });
  });

  it("sends an answer that does not validate back with its problems, and keeps only the valid answer in the session", async () => {
    const { engine, model, recorder } = setup([
      { content: "Ana, ana@example.com" },
      { content: '{"name":"Ana","email":"not an email"}' },
      { content: '{"name":"Ana","email":"ana@example.com"}' },
    ]);
    const result = await engine.run("assistant", "Who wrote?", { output: Contact, sessionId: "s" });
    expect(result).toMatchObject({ status: "completed", steps: 3, value: { email: "ana@example.com" } });
    const first = model.requests[1]!.messages.at(-1)!;
    expect(first).toMatchObject({ role: "user" });
    expect(first.content).toMatch(/does not match the required JSON schema:\n- \(the answer\): is not JSON/);
    expect(model.requests[2]!.messages.at(-1)!.content).toMatch(/- \/email: /);
    expect(recorder.count("stepCompleted")).toBe(3);
    expect((await engine.getSession("s"))!.messages).toEqual([
      { role: "user", content: "Who wrote?" },
      { role: "assistant", content: '{"name":"Ana","email":"ana@example.com"}' },
    ]);
  });

  it("fails with CORTEX_OUTPUT_INVALID carrying the last answer once maxOutputRetries corrections are used", async () => {
    const { engine, model } = setup([{ content: '{"name":1}' }, { content: '{"name":2}' }], { maxOutputRetries: 1 });
    const result = await engine.run("assistant", "x", { output: Contact });
    expect(model.requests).toHaveLength(2);
    expect(result).toMatchObject({
      status: "failed",
      output: '{"name":2}',
      error: { code: "CORTEX_OUTPUT_INVALID", answer: '{"name":2}' },
    });
    expect(result.value).toBeUndefined();
    expect(result.error!.issues!.map((i) => i.path).sort()).toEqual(["/email", "/name"]);
    expect(result.error!.message).toMatch(/after 1 correction/);
    expect(new OutputInvalidError("x", [], 2).code).toBe("CORTEX_OUTPUT_INVALID");
  });

  it("validates against a JSON Schema with ajv, formats included, valid and corrected", async () => {
    const { engine, model } = setup([
      { content: '{"name":"Bo","email":"nope","extra":true}' },
      { content: '{"name":"Bo","email":"bo@example.com"}' },
    ]);
    const result = await engine.run("assistant", "x", { output: contactJsonSchema });
    expect(result).toMatchObject({ status: "completed", value: { name: "Bo", email: "bo@example.com" } });
    expect(model.requests[0]!.responseFormat).toEqual({ type: "json", name: "output", schema: contactJsonSchema });
    const correction = model.requests[1]!.messages.at(-1)!.content!;
    expect(correction).toContain('- /email: must match format "email"');
    expect(correction).toContain("- /extra: is not allowed");
  });

  it("refuses an unusable schema before the run starts", async () => {
    const { engine, recorder } = setup([]);
    await expect(engine.run("assistant", "x", { output: { type: "nonsense" } })).rejects.toMatchObject({
      code: "CORTEX_INVALID_OPTIONS",
      option: "output",
    });
    await expect(engine.run("assistant", "x", { output: 42 as never })).rejects.toMatchObject({ option: "output" });
    expect(recorder.events).toEqual([]);
  });

  it("checks the answer of a resumed run: with the schema passed again, or the JSON Schema stored with the run", async () => {
    const runStore = new MemoryRunStore();
    const bad = { content: '{"name":"Cy","email":"bad"}' };
    const script = [call("notes__publish", { text: "x" }), bad, { content: '{"name":"Cy","email":"cy@example.com"}' }];
    const first = setup(script, { runStore, perRun: true });
    const paused = await first.engine.run("assistant", "x", { output: Contact });
    const typed = await first.engine.resolveCheckpoint(paused.checkpoint!.id, { approved: true }, { output: Contact });
    expect(typed).toMatchObject({ status: "completed", value: { name: "Cy", email: "cy@example.com" } });

    // Another engine, without the zod schema: the JSON Schema stored with the paused run checks the answer.
    const again = await first.engine.run("assistant", "x", { output: Contact });
    const other = setup([bad], { runStore, maxOutputRetries: 0 });
    const resumed = await other.engine.resolveCheckpoint(again.checkpoint!.id, { approved: true });
    expect(resumed).toMatchObject({ status: "failed", error: { code: "CORTEX_OUTPUT_INVALID", answer: bad.content } });
    // zod's JSON Schema for an email has a format and a pattern: ajv reports both.
    expect(resumed.error!.issues!.map((i) => i.path)).toEqual(["/email", "/email"]);
    expect(resumed.error!.issues).toContainEqual({ path: "/email", message: 'must match format "email"' });
  });
});
