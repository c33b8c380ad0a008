import { SERVER_DEFAULTS } from "../defaults.js";
import { HTTP_STATUS } from "../errors.js";
import type { RouteSpec } from "./routes.js";
import { errorSchema } from "./schemas.js";

function parametersOf(spec: RouteSpec): object[] {
  const list: object[] = [];
  const add = (where: "path" | "query", schema: object | undefined) => {
    const { properties = {}, required = [] } = (schema ?? {}) as {
      properties?: Record<string, object>;
      required?: string[];
    };
    for (const [name, property] of Object.entries(properties))
      list.push({ name, in: where, required: where === "path" || required.includes(name), schema: property });
  };
  add("path", spec.params);
  add("query", spec.querystring);
  if (spec.auth === "principal" && spec.method !== "GET")
    list.push({
      name: SERVER_DEFAULTS.csrfHeader,
      in: "header",
      required: false,
      description: "Required with cookie sessions: the csrfToken of GET /api/session. Not needed with a bearer token.",
      schema: { type: "string" },
    });
  return list;
}

const errorCodes = (status: number): string[] =>
  Object.entries(HTTP_STATUS)
    .filter(([code, value]) => value === status && code.startsWith("CORTEX_SERVER_"))
    .map(([code]) => code);

/** The OpenAPI 3.1 document of the routes. */
export function openApiDocument(specs: readonly RouteSpec[], version: string): object {
  const paths: Record<string, Record<string, object>> = {};
  for (const spec of specs) {
    const path = spec.url.replace(/:([A-Za-z]+)/g, "{$1}");
    const responses: Record<string, object> = {};
    for (const [status, response] of Object.entries(spec.responses)) {
      responses[status] = {
        description: response.description,
        ...(response.schema
          ? { content: { [response.contentType ?? "application/json"]: { schema: response.schema } } }
          : {}),
      };
    }
    const errors = spec.auth === "principal" ? [400, 401, 403, 404, 409, 421, 429, 503] : [400, 401, 403, 421, 429];
    for (const status of errors) {
      if (responses[status] !== undefined) continue;
      const codes = errorCodes(status);
      if (codes.length === 0) continue;
      responses[status] = {
        description: `Coded error: ${codes.join(", ")}`,
        content: { "application/json": { schema: errorSchema } },
      };
    }
    paths[path] ??= {};
    paths[path][spec.method.toLowerCase()] = {
      operationId: spec.operationId,
      summary: spec.summary,
      tags: [spec.tag],
      parameters: parametersOf(spec),
      ...(spec.body ? { requestBody: { required: true, content: { "application/json": { schema: spec.body } } } } : {}),
      responses,
      security: spec.auth === "none" ? [] : [{ bearer: [] }, { session: [] }],
    };
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "Cortex approval inbox",
      version,
      description:
        "Pending checkpoints of paused Cortex runs, decisions on them, runs and their timelines, and the approval ledger. Every route but POST /api/session needs a bearer token or a session cookie; errors are { error: { code, message } }.",
    },
    components: {
      securitySchemes: {
        bearer: { type: "http", scheme: "bearer", description: "A token whose sha256 is configured for a principal." },
        session: {
          type: "apiKey",
          in: "cookie",
          name: SERVER_DEFAULTS.cookieName,
          description: "The web page's session (POST /api/session).",
        },
      },
    },
    paths,
  };
}
