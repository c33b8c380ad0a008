import { describe, expect, it } from "vitest";
import { GENESIS_HASH, ledgerKey } from "../src/index.js";
import { hashMatches, headMacMatches, macMatches, seal, signHead } from "../src/ledger/record.js";
import { voteOn } from "./support/ledger.js";

const KEY = ledgerKey("a-server-key-of-at-least-32-bytes!!");

describe("ledger records", () => {
  it("hash every field but the hash and MAC, whatever order the keys come in", () => {
    const record = seal(voteOn(1, "alice"), { seq: 1, prev: GENESIS_HASH, at: "2026-01-01T00:00:00.000Z" }, KEY);
    expect(record).toMatchObject({
      v: 1,
      seq: 1,
      prev: GENESIS_HASH,
      kid: KEY.id,
      hash: expect.stringMatching(/^[0-9a-f]{64}$/) as string,
      mac: expect.stringMatching(/^[0-9a-f]{64}$/) as string,
    });
    const reordered = Object.fromEntries(Object.entries(record).reverse());
    expect(hashMatches(reordered)).toBe(true);
    expect(macMatches(reordered, KEY)).toBe(true);
    expect(hashMatches({ ...record, reason: "changed" })).toBe(false);
    expect(macMatches({ ...record }, ledgerKey("another-key-that-is-32-bytes-long!!"))).toBe(false);
    expect(seal(voteOn(1, "alice"), { seq: 1, prev: GENESIS_HASH, at: "x" })).not.toHaveProperty("mac");
  });

  it("signs the head, and refuses keys shorter than 32 bytes", () => {
    const head = signHead(3, "ab", KEY);
    expect(headMacMatches(head, KEY)).toBe(true);
    expect(headMacMatches({ ...head, seq: 4 }, KEY)).toBe(false);
    expect(signHead(3, "ab")).toEqual({ seq: 3, hash: "ab" });
    expect(() => ledgerKey("short")).toThrow(RangeError);
    expect(ledgerKey(Buffer.alloc(32, 1)).id).toMatch(/^[0-9a-f]{16}$/);
  });
});
