import { describe, expect, it } from "vitest";
import {
  readRecording,
  RECORDING_FORMAT,
  RECORDING_VERSION,
  RecordingInvalidError,
  RunRecorder,
} from "../src/index.js";
import { firstDifference } from "../src/record/diff.js";
import { matchesRedacted, redactJson } from "../src/record/redact.js";

const minimal = () => ({
  format: RECORDING_FORMAT,
  version: RECORDING_VERSION,
  recordedAt: "2026-01-01T00:00:00.000Z",
  entry: { agentId: "a", input: "hi" },
  runs: [],
  modelCalls: [],
  toolResults: [],
  decisions: [],
  events: [],
});

describe("readRecording", () => {
  it("reads a recording from JSON text or a parsed object", () => {
    expect(readRecording(JSON.stringify(minimal())).entry).toEqual({ agentId: "a", input: "hi" });
    expect(readRecording(minimal()).version).toBe(1);
  });

  it.each([
    ["not json", "{", /not JSON/],
    ["another format", { ...minimal(), format: "other" }, /not a Cortex recording/],
    ["another version", { ...minimal(), version: 2 }, /version 2 cannot be replayed/],
    ["no entry", { ...minimal(), entry: undefined }, /no "entry"/],
    ["no events", { ...minimal(), events: undefined }, /"events" is not a list/],
  ])("refuses %s with CORTEX_RECORDING_INVALID", (_what, source, message) => {
    expect(() => readRecording(source)).toThrow(RecordingInvalidError);
    expect(() => readRecording(source)).toThrow(message);
  });
});

describe("redaction and comparison", () => {
  it("replaces every secret and its JSON-escaped form, longest first, and keeps valid JSON", () => {
    const json = JSON.stringify({ a: 'key "q"1', b: "key x key" });
    const out = redactJson(json, ["key", 'key "q"1']);
    expect(JSON.parse(out)).toEqual({ a: "[REDACTED]", b: "[REDACTED] x [REDACTED]" });
  });

  it("matches a redacted text against the text it came from, and nothing else", () => {
    expect(matchesRedacted("token [REDACTED] ok", "token sk-123 ok")).toBe(true);
    expect(matchesRedacted("token [REDACTED] ok", "token sk-123 no")).toBe(false);
    expect(matchesRedacted("a.b", "axb")).toBe(false);
  });

  it("finds the first differing path, depth first", () => {
    expect(firstDifference({ m: [{ c: "x" }, { c: "y" }] }, { m: [{ c: "x" }, { c: "z" }] })).toEqual({
      path: ".m[1].c",
      expected: "y",
      actual: "z",
    });
    expect(firstDifference([1], [1, 2])).toEqual({ path: "[1]", expected: undefined, actual: 2 });
    expect(firstDifference({ a: { "b-c": 1 } }, { a: { "b-c": 1 } })).toBeUndefined();
  });
});

describe("RunRecorder", () => {
  it("keeps model requests and answers, and redacts the secrets a watched broker handed out", async () => {
    const recorder = new RunRecorder({ host: { note: "h" } });
    const broker = recorder.watchBroker({ get: (key: string) => Promise.resolve(`secret-of-${key}`) });
    const token = await broker.get("api");
    const model = recorder.model({ generate: () => Promise.resolve({ content: `I saw ${token}` }) });
    const signal = new AbortController().signal;
    await model.generate({
      messages: [{ role: "user", content: token }],
      tools: [],
      signal,
      agentId: "a",
      runId: "r1",
    });
    const recording = recorder.recording();
    expect(recording.host).toEqual({ note: "h" });
    expect(recording.modelCalls).toEqual([
      {
        run: 0,
        agentId: "a",
        stepIndex: 0,
        request: { messages: [{ role: "user", content: "[REDACTED]" }], tools: [] },
        response: { content: "I saw [REDACTED]" },
      },
    ]);
    expect(recorder.toJSON()).not.toContain("secret-of-api");
  });
});
