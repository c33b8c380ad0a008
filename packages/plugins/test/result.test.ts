import { describe, expect, it } from "vitest";
import { REDACTED } from "../src/index.js";
import { Redactor } from "../src/redact.js";
import { checkResult } from "../src/result.js";

describe("checkResult", () => {
  const none = new Redactor();
  const holding = new Redactor();
  holding.add("sk-result-0123");

  it("hands plain JSON data back as it is, with or without secrets known", () => {
    const result = { success: true, data: { list: [1, "a", null, { ok: true }] } };
    expect(checkResult(result, none)).toBe(result);
    expect(checkResult(result, holding)).toBe(result);
  });

  it("rebuilds output holding a secret from its JSON form, strings and keys cleaned", () => {
    const result = { success: false, error: "bad sk-result-0123", code: "E", extra: { "sk-result-0123": [1] } };
    expect(checkResult(result, holding)).toEqual({
      success: false,
      error: `bad ${REDACTED}`,
      code: "E",
      extra: { [REDACTED]: [1] },
    });
  });

  it("checks data that is not plain with JSON.stringify, and hands it back as it is while no secret is known", () => {
    const result = { success: true, data: { when: new Date(0), text: { toJSON: () => "x" } } };
    expect(checkResult(result, none)).toBe(result);
    expect(checkResult(result, holding)).toEqual({
      success: true,
      data: { when: new Date(0).toISOString(), text: "x" },
    });
  });

  it.each<[string, unknown, RegExp]>([
    ["null", null, /^returned null, not a PluginResult$/],
    ["a string", "ok", /^returned string, not a PluginResult$/],
    ["no success flag", { data: 1 }, /^returned object, not a PluginResult$/],
    ["a bigint", { success: true, data: 1n }, /^returned a result that is not JSON data \(.*BigInt/],
    [
      "a toJSON that throws",
      {
        success: true,
        data: {
          toJSON: () => {
            throw new Error("no");
          },
        },
      },
      /not JSON data \(no\)/,
    ],
    [
      "a getter that throws",
      {
        get success(): boolean {
          throw new Error("getter");
        },
      },
      /threw when read \(getter\)/,
    ],
  ])("says what is wrong with %s, never throwing", (_label, value, problem) => {
    expect(checkResult(value, none)).toMatch(problem);
    expect(checkResult(value, holding)).toMatch(problem);
  });

  it("finds a cycle, however the walk meets it", () => {
    const data: Record<string, unknown> = { a: [1] };
    data.self = { back: data };
    expect(checkResult({ success: true, data }, none)).toMatch(/not JSON data/);
  });
});
