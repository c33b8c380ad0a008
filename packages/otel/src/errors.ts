import type { ErrorTable } from "@cortex/primitives";

/**
 * Every code this package throws, with the class that carries it: only a
 * bad option, from the constructor. A hook never throws at the engine.
 */
export const OTEL_ERRORS = {
  CORTEX_INVALID_OPTIONS: "InvalidOptionsError",
} as const satisfies ErrorTable;

/** A code of {@link OTEL_ERRORS}. */
export type OtelErrorCode = keyof typeof OTEL_ERRORS;

/** `error.type` of a failure: its Cortex code, else its class name, else `_OTHER` as the conventions say. */
export function errorType(error: unknown): string {
  if (typeof error === "object" && error !== null) {
    const code = (error as { code?: unknown }).code;
    if (typeof code === "string" && code !== "") return code;
    if (error instanceof Error) return error.name;
  }
  return "_OTHER";
}

/** The human-readable message of a failure, for the span status. */
export function errorMessage(error: unknown): string {
  if (typeof error === "string") return error;
  if (typeof error === "object" && error !== null) {
    const message = (error as { message?: unknown }).message;
    if (typeof message === "string") return message;
  }
  return String(error);
}
