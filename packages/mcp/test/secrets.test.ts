import { REDACTED } from "@cortex/plugins";
import { describe, expect, it } from "vitest";
import { SecretScrubber } from "../src/client/secrets.js";

describe("SecretScrubber", () => {
  it("removes raw, JSON-escaped, percent-encoded and base64 forms, in values and keys", () => {
    const scrubber = new SecretScrubber();
    const secret = 'p@ss "word"/+';
    scrubber.reset([secret]);
    const b64 = Buffer.from(secret).toString("base64");
    const out = scrubber.value({
      raw: `x${secret}y`,
      json: JSON.stringify({ s: secret }),
      url: `?k=${encodeURIComponent(secret)}`,
      basic: `Basic ${b64}`,
      [secret]: [secret],
    });
    const text = JSON.stringify(out);
    for (const form of [secret, encodeURIComponent(secret), b64, JSON.stringify(secret).slice(1, -1)])
      expect(text).not.toContain(form);
    expect(out).toMatchObject({ raw: `x${REDACTED}y`, [REDACTED]: [REDACTED] });
  });

  it("costs nothing and changes nothing without secrets", () => {
    const scrubber = new SecretScrubber();
    const value = { a: "b" };
    expect(scrubber.value(value)).toBe(value);
    scrubber.reset(["", "longer-secret"]);
    expect(scrubber.text("nothing here")).toBe("nothing here");
  });
});
