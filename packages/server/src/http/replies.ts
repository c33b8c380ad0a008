import { isCortexError, type Logger } from "@cortex/primitives";
import type { FastifyError, FastifyReply } from "fastify";
import { HTTP_STATUS, type ServerErrorCode } from "../errors.js";

/** The security headers of every response. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "content-security-policy":
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; manifest-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
  "cross-origin-opener-policy": "same-origin",
  "cross-origin-resource-policy": "same-origin",
  "permissions-policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
};

/** The body of an error response. */
export interface ErrorBody {
  error: { code: string; message: string; issues?: { path: string; message: string }[] };
}

/** Sends an error as coded JSON: Cortex errors with their own status, validation errors as 400, anything else as 500 (logged, its message kept out). */
export function sendError(reply: FastifyReply, error: unknown, logger: Logger): FastifyReply {
  if (isCortexError(error) && error.code in HTTP_STATUS) {
    const code = error.code as ServerErrorCode;
    const body: ErrorBody = { error: { code, message: error.message } };
    const issues = (error as { issues?: unknown }).issues;
    if (Array.isArray(issues) && issues.length > 0) body.error.issues = issues as ErrorBody["error"]["issues"];
    const retry = (error as { retryAfterSeconds?: unknown }).retryAfterSeconds;
    if (typeof retry === "number") void reply.header("retry-after", String(retry));
    if (HTTP_STATUS[code] >= 500) logger.warn("request failed", { code, message: error.message });
    return reply.code(HTTP_STATUS[code]).send(body);
  }
  const fastify = error as Partial<FastifyError>;
  if (Array.isArray(fastify.validation)) {
    const issues = fastify.validation.map((issue) => ({
      path: issue.instancePath || "/",
      message: issue.message ?? "invalid",
    }));
    const where = fastify.validationContext ?? "request";
    return reply.code(400).send({
      error: {
        code: "CORTEX_SERVER_BAD_REQUEST",
        message: `The ${where} does not match the API: ${issues.map((i) => `${i.path} ${i.message}`).join("; ")}`,
        issues,
      },
    });
  }
  if (typeof fastify.statusCode === "number" && fastify.statusCode >= 400 && fastify.statusCode < 500)
    return reply
      .code(fastify.statusCode)
      .send({ error: { code: "CORTEX_SERVER_BAD_REQUEST", message: fastify.message ?? "bad request" } });
  logger.error("unexpected error in a request", { error });
  return reply.code(500).send({ error: { code: "CORTEX_SERVER_INTERNAL", message: "The server failed; see its log" } });
}
