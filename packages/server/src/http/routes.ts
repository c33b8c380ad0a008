import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";

/** One documented response of a route. */
export interface ResponseSpec {
  description: string;
  schema?: object;
  /** Default `application/json`. */
  contentType?: string;
}

/** One API route: what Fastify validates and what the OpenAPI document says. */
export interface RouteSpec {
  method: "GET" | "POST" | "DELETE";
  url: string;
  operationId: string;
  summary: string;
  tag: string;
  /** `none` only for signing in; every other route needs a principal. */
  auth: "none" | "principal";
  params?: object;
  querystring?: object;
  body?: object;
  responses: Record<number, ResponseSpec>;
}

/** A route's handler; what it returns is sent as JSON. */
export type Handler = (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>;

/** The routes of the API, registered with Fastify and kept for the OpenAPI document. */
export class RouteTable {
  readonly specs: RouteSpec[] = [];

  constructor(readonly app: FastifyInstance) {}

  add(spec: RouteSpec, handler: Handler): void {
    this.specs.push(spec);
    this.app.route({
      method: spec.method,
      url: spec.url,
      schema: {
        ...(spec.params ? { params: spec.params } : {}),
        ...(spec.querystring ? { querystring: spec.querystring } : {}),
        ...(spec.body ? { body: spec.body } : {}),
      },
      config: { auth: spec.auth },
      handler,
    });
  }
}
