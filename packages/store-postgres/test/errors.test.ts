import { CortexError, isCortexError } from "@cortex/primitives";
import { describe, expect, it } from "vitest";
import { errorDocProblems } from "../../../test-support/error-docs.js";
import {
  STORE_POSTGRES_ERRORS,
  StoreConnectionError,
  StoreError,
  StoreMigrationError,
  StoreNotMigratedError,
} from "../src/index.js";

describe("errors", () => {
  it("documents every code in its section of docs/errors.md", () => {
    expect(errorDocProblems("@cortex/store-postgres", STORE_POSTGRES_ERRORS)).toEqual([]);
  });

  it("carries its code, class name, SQLSTATE, attempts and cause", () => {
    const cause = new Error("terminating connection due to administrator command");
    const error = new StoreConnectionError("lost", { cause, sqlState: "57P01", attempts: 5 });
    expect(error).toMatchObject({
      code: "CORTEX_STORE_CONNECTION_FAILED",
      name: "StoreConnectionError",
      sqlState: "57P01",
      attempts: 5,
    });
    expect(error.cause).toBe(cause);
    expect(error).toBeInstanceOf(StoreError);
    expect(error).toBeInstanceOf(CortexError);
    expect(isCortexError(error)).toBe(true);
    expect(new StoreMigrationError(2, "failed")).toMatchObject({ version: 2, attempts: 1, sqlState: undefined });
    expect(new StoreNotMigratedError(1, 2, "old")).toMatchObject({ found: 1, required: 2 });
  });
});
