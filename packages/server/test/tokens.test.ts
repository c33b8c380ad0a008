import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { hashToken, loadPrincipals, newToken, parsePrincipals, PRINCIPALS_ENV } from "../src/index.js";
import { TokenTable } from "../src/auth/tokens.js";
import { useTempDirs } from "./support/ledger.js";

const tempDir = useTempDirs();

describe("tokens", () => {
  it("makes random tokens and maps each, by its hash only, to its principal", () => {
    const [a, b] = [newToken(), newToken()];
    expect(a).toMatch(/^cortex_[A-Za-z0-9_-]{43}$/);
    expect(a).not.toBe(b);
    const table = new TokenTable([
      { id: "alice", roles: ["admin"], tokenSha256: hashToken(a) },
      { id: "bob", roles: [], tokenSha256: hashToken(b) },
    ]);
    expect(table.authenticate(a)).toEqual({ id: "alice", roles: ["admin"] });
    expect(table.authenticate(b)).toEqual({ id: "bob", roles: [] });
    expect(table.authenticate(hashToken(a))).toBeUndefined();
    expect(table.authenticate("")).toBeUndefined();
  });

  it("reads principals from a file or the environment, never with a token in clear", async () => {
    const entry = { id: "alice", roles: ["admin"], tokenSha256: hashToken("t") };
    const file = join(await tempDir(), "principals.json");
    await writeFile(file, JSON.stringify({ principals: [entry] }));
    expect(await loadPrincipals({ file })).toEqual([entry]);
    expect(await loadPrincipals({ env: { [PRINCIPALS_ENV]: JSON.stringify([entry]) } })).toEqual([entry]);
    await expect(loadPrincipals({ env: {} })).rejects.toMatchObject({
      code: "CORTEX_INVALID_OPTIONS",
      message: expect.stringContaining(PRINCIPALS_ENV) as string,
    });
    await expect(loadPrincipals({ file: join(file, "missing") })).rejects.toMatchObject({
      code: "CORTEX_INVALID_OPTIONS",
    });
    expect(() => parsePrincipals([{ ...entry, tokenSha256: "a-token-in-clear" }], "f")).toThrow(/never the token/);
    expect(() => parsePrincipals([entry, { ...entry, id: "bob" }], "f")).toThrow(/same token/);
    expect(() => parsePrincipals([entry, entry], "f")).toThrow(/used twice/);
    expect(() => parsePrincipals([{ ...entry, id: "<script>" }], "f")).toThrow(/id must be/);
    expect(() => parsePrincipals({ principals: [] }, "f")).toThrow(/expected/);
  });
});
