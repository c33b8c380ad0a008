import type { Principal } from "@cortex/plugins";
import type { FastifyRequest } from "fastify";
import type { ApiContext } from "./api.js";
import * as r from "./response-schemas.js";
import * as s from "./schemas.js";

const json = (description: string, schema: object) => ({ description, schema });

const sessionView = (context: ApiContext, request: FastifyRequest, principal: Principal) => {
  const { session } = context.guard.contextOf(request);
  return {
    principal: { id: principal.id, roles: [...principal.roles] },
    csrfToken: session?.csrfToken ?? null,
    expiresAt: session ? new Date(context.sessions.expiresAt(session)).toISOString() : null,
  };
};

/** Registers the web page's sign-in, session and sign-out routes. */
export function registerSessionRoutes(context: ApiContext): void {
  const { routes, guard } = context;
  const principalOf = (request: FastifyRequest) => guard.contextOf(request).principal;

  routes.add(
    {
      method: "POST",
      url: "/api/session",
      operationId: "signIn",
      summary:
        "Sign in with a bearer token: sets an HttpOnly, SameSite=Strict session cookie and returns the CSRF token",
      tag: "session",
      auth: "none",
      body: s.signInBody,
      responses: { 200: json("Signed in", r.sessionResponse) },
    },
    async (request, reply) => {
      const { token } = request.body as { token: string };
      const session = guard.signIn(request, reply, token);
      return {
        principal: { id: session.principal.id, roles: [...session.principal.roles] },
        csrfToken: session.csrfToken,
        expiresAt: new Date(context.sessions.expiresAt(session)).toISOString(),
      };
    },
  );

  routes.add(
    {
      method: "GET",
      url: "/api/session",
      operationId: "getSession",
      summary: "Who is signed in, and the session's CSRF token (null with a bearer token)",
      tag: "session",
      auth: "principal",
      responses: { 200: json("The principal", r.sessionResponse) },
    },
    (request) => Promise.resolve(sessionView(context, request, principalOf(request))),
  );

  routes.add(
    {
      method: "DELETE",
      url: "/api/session",
      operationId: "signOut",
      summary: "Sign out: ends the session and clears its cookie",
      tag: "session",
      auth: "principal",
      responses: { 204: { description: "Signed out" } },
    },
    (request, reply) => {
      guard.signOut(request, reply);
      return Promise.resolve(reply.code(204).send());
    },
  );
}
