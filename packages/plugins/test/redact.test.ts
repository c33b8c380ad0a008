import { describe, expect, it } from "vitest";
import { REDACTED } from "../src/index.js";
import { messageOf, Redactor } from "../src/redact.js";

describe("Redactor", () => {
  it("replaces every remembered secret, longest first", () => {
    const r = new Redactor();
    expect(r.text("nothing yet sk-1")).toBe("nothing yet sk-1");
    r.add("sk-1");
    r.add("sk-12345");
    r.add("");
    expect(r.size).toBe(2);
    expect(r.text("key sk-12345 and sk-1 twice sk-1")).toBe(`key ${REDACTED} and ${REDACTED} twice ${REDACTED}`);
  });

  it("redacts errors in place, keeping identity, and copies frozen ones", () => {
    const r = new Redactor();
    r.add("hunter2");
    const e = new Error("password hunter2 rejected");
    expect(r.error(e)).toBe(e);
    expect(e.message).toBe(`password ${REDACTED} rejected`);
    expect(e.stack).not.toContain("hunter2");
    const frozen = Object.freeze(new Error("hunter2"));
    const copy = r.error(frozen) as Error;
    expect(copy).not.toBe(frozen);
    expect(copy.message).toBe(REDACTED);
    expect(r.error("a hunter2 string")).toBe(`a ${REDACTED} string`);
    expect(r.error(42)).toBe(42);
  });

  it("redacts nested log fields without touching the original", () => {
    const r = new Redactor();
    expect(r.value({ a: "s3cr3t" })).toEqual({ a: "s3cr3t" });
    r.add("s3cr3t");
    const fields = { a: "s3cr3t", list: ["x s3cr3t"], error: new Error("s3cr3t!"), n: 1 };
    expect(r.value(fields)).toEqual({
      a: REDACTED,
      list: [`x ${REDACTED}`],
      error: { name: "Error", message: `${REDACTED}!` },
      n: 1,
    });
    expect(fields.a).toBe("s3cr3t");
  });

  it("messageOf handles any thrown value", () => {
    expect(messageOf(new Error("m"))).toBe("m");
    expect(messageOf("s")).toBe("s");
    expect(messageOf({ a: 1 })).toBe('{"a":1}');
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(messageOf(cyclic)).toBe("[object Object]");
    expect(messageOf(undefined)).toBe("undefined");
  });
});
