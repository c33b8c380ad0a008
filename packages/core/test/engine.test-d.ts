import { expectTypeOf, test } from "vitest";
import { z } from "zod";
import type { Engine, ModelMessage, ResumedRunResult, RunResult, RunStream, RunStreamEvent } from "../src/index.js";

declare const engine: Engine;
const Contact = z.object({ name: z.string(), age: z.number().optional() });
type Contact = z.infer<typeof Contact>;

test("run types value from a Standard Schema output, and leaves it unknown otherwise", () => {
  expectTypeOf(engine.run("a", "x", { output: Contact })).toEqualTypeOf<Promise<RunResult<Contact>>>();
  expectTypeOf(engine.run("a", "x", { output: { type: "object" } })).toEqualTypeOf<Promise<RunResult>>();
  expectTypeOf(engine.run("a", "x")).toEqualTypeOf<Promise<RunResult>>();
  expectTypeOf<RunResult<Contact>["value"]>().toEqualTypeOf<Contact | undefined>();
  expectTypeOf<RunResult["usage"]>().toEqualTypeOf<{ inputTokens: number; outputTokens: number }>();
});

test("run and stream take a string or messages, and the run's options", () => {
  const messages: ModelMessage[] = [{ role: "user", content: "hi" }];
  void engine.run("a", messages, { sessionId: "s", budget: { maxTokens: 1_000, maxDurationMs: 5_000 } });
  // @ts-expect-error a budget's limits are numbers
  void engine.run("a", "x", { budget: { maxTokens: "many" } });
  // @ts-expect-error input is a string or ModelMessage[]
  void engine.run("a", 42);
});

test("stream yields typed events whose finish carries the typed result", () => {
  const stream = engine.stream("a", "x", { output: Contact });
  expectTypeOf(stream).toEqualTypeOf<RunStream<Contact>>();
  expectTypeOf(stream.result).toEqualTypeOf<Promise<RunResult<Contact>>>();
  expectTypeOf<RunStreamEvent["type"]>().toEqualTypeOf<
    "run-start" | "step-start" | "text-delta" | "tool-call" | "tool-result" | "checkpoint" | "step-finish" | "finish"
  >();
  expectTypeOf<Extract<RunStreamEvent<Contact>, { type: "finish" }>["result"]>().toEqualTypeOf<RunResult<Contact>>();
  expectTypeOf<Extract<RunStreamEvent, { type: "text-delta" }>["text"]>().toEqualTypeOf<string>();
});

test("resolveCheckpoint types value from the schema passed again", () => {
  expectTypeOf(engine.resolveCheckpoint("cp", { approved: true }, { output: Contact })).toEqualTypeOf<
    Promise<ResumedRunResult<Contact>>
  >();
  expectTypeOf(engine.resolveCheckpoint("cp", { approved: true })).toEqualTypeOf<Promise<ResumedRunResult>>();
});
