import type { CredentialBroker } from "@cortex/plugins";
import { isCortexError, messageOf } from "@cortex/primitives";
import { ErrorCode, McpError } from "@modelcontextprotocol/sdk/types.js";
import type { ResolvedOptions } from "./options.js";
import type { McpSession, SessionConfig, SessionTarget } from "./session.js";

/** A credential as the plugin declares it to the registry (`definePlugin`'s shape). */
export interface DeclaredCredential {
  readonly description: string;
  readonly secret: boolean;
  readonly required: boolean;
}

/** The plugin's `credentials` declaration, from its options. */
export function declaredCredentials(o: ResolvedOptions): Readonly<Record<string, DeclaredCredential>> {
  return Object.freeze(
    Object.fromEntries(
      Object.entries(o.credentials).map(([key, c]) => [
        key,
        Object.freeze({ description: c.description, secret: c.secret !== false, required: c.required !== false }),
      ]),
    ),
  );
}

/** What opening one session of this plugin needs. */
export function sessionConfig(
  o: ResolvedOptions,
  target: SessionTarget,
  scrub: (text: string) => string,
  onToolsChanged: () => void,
  onLost: () => void,
): SessionConfig {
  return {
    name: o.name,
    target,
    connectTimeoutMs: o.connectTimeoutMs,
    closeTimeoutMs: o.closeTimeoutMs,
    stderrTailChars: 2_000,
    logger: o.logger,
    scrub,
    onToolsChanged,
    onLost,
  };
}

/** The session target with the broker's credentials in the environment or headers, and the secret values. */
export async function credentialTarget(
  o: ResolvedOptions,
  broker: CredentialBroker,
): Promise<{ target: SessionTarget; secrets: string[] }> {
  const env: Record<string, string> = {};
  const headers: Record<string, string> = {};
  const secrets: string[] = [];
  for (const [key, c] of Object.entries(o.credentials)) {
    const secret = c.secret !== false;
    let value: string;
    try {
      value = await broker.get(key, { secret });
    } catch (error) {
      if (c.required === false) continue;
      throw error;
    }
    if (secret) secrets.push(value);
    const written = (c.format ?? "{value}").split("{value}").join(value);
    if (o.stdio && c.env) env[c.env] = written;
    if (o.http && c.header) headers[c.header] = written;
  }
  const target: SessionTarget = o.stdio
    ? { kind: "stdio", command: o.stdio.command, args: o.stdio.args, env: { ...o.stdio.env, ...env }, cwd: o.stdio.cwd }
    : { kind: "http", url: o.http!.url, headers: { ...o.http!.headers, ...headers } };
  return { target, secrets };
}

/**
 * Why a tool call produced no result, for its `CORTEX_MCP_CALL_FAILED`
 * message. After a timeout the server is pinged (`answersPing` stops one that
 * does not answer); after a caller's abort, the same check runs in the background.
 */
export async function callFailure(
  name: string,
  o: ResolvedOptions,
  session: McpSession,
  tool: string,
  error: unknown,
  signal: AbortSignal,
  answersPing: (session: McpSession) => Promise<boolean>,
): Promise<string> {
  const what = `MCP server "${name}" tool "${tool}"`;
  if (!session.alive && !signal.aborted) {
    return `${what} failed: the server's connection ended during the call${session.describeExit()}; it is restarted on the next call`;
  }
  if (signal.aborted) {
    void answersPing(session);
    return `${what} was aborted: ${messageOf(signal.reason)}`;
  }
  if (error instanceof McpError && error.code === (ErrorCode.RequestTimeout as number)) {
    return (await answersPing(session))
      ? `${what} did not answer within ${o.callTimeoutMs} ms (the server still answers pings)`
      : `${what} did not answer within ${o.callTimeoutMs} ms, nor a ping within ${o.pingTimeoutMs} ms: the server was stopped and is restarted on the next call`;
  }
  return `${what} failed: ${isCortexError(error) ? error.message : messageOf(error)}`;
}
