import { CortexError, isCortexError } from "@cortex/primitives";
import { describe, expect, it } from "vitest";
import { errorDocProblems } from "../../../test-support/error-docs.js";
import { HTTP_STATUS, LedgerTamperedError, RateLimitedError, SelfApprovalError, SERVER_ERRORS } from "../src/index.js";

describe("errors", () => {
  it("documents every code in its section of docs/errors.md", () => {
    expect(errorDocProblems("@cortex/server", SERVER_ERRORS)).toEqual([]);
  });

  it("gives every code an HTTP status", () => {
    expect(Object.keys(HTTP_STATUS).sort()).toEqual(Object.keys(SERVER_ERRORS).sort());
  });

  it("carries its code, class name and data", () => {
    const error = new SelfApprovalError("no");
    expect(error).toMatchObject({ code: "CORTEX_SERVER_SELF_APPROVAL", name: "SelfApprovalError" });
    expect(error).toBeInstanceOf(CortexError);
    expect(isCortexError(new RateLimitedError(3))).toBe(true);
    expect(new RateLimitedError(3).retryAfterSeconds).toBe(3);
    expect(
      new LedgerTamperedError({ code: "CORTEX_LEDGER_EDITED", seq: 2, message: "record 2 was edited" }),
    ).toMatchObject({
      code: "CORTEX_LEDGER_TAMPERED",
      problem: { code: "CORTEX_LEDGER_EDITED", seq: 2 },
      message: "The approval ledger failed verification: record 2 was edited",
    });
  });
});
