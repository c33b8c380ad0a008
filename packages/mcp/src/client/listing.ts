import type { CredentialBroker } from "@cortex/plugins";
import { messageOf } from "@cortex/primitives";
import { McpConnectError } from "../errors.js";
import { sdkTimeout, type ResolvedOptions } from "./options.js";
import { SecretScrubber } from "./secrets.js";
import { McpSession } from "./session.js";
import { credentialTarget, sessionConfig } from "./target.js";
import type { ListedTool } from "./tool-table.js";

function noop(): void {
  // A listing session reacts to nothing.
}

/**
 * The server's tools and its name and version, from a short session of its
 * own (credentials from `broker`), closed again whatever happens. Rejects
 * with `CORTEX_MCP_CONNECT_FAILED`, credentials scrubbed from the message.
 */
export async function listToolsOnce(
  o: ResolvedOptions,
  broker: CredentialBroker,
): Promise<{ tools: ListedTool[]; info: { name?: string; version?: string; title?: string } }> {
  const scrubber = new SecretScrubber();
  const { target, secrets } = await credentialTarget(o, broker);
  scrubber.reset(secrets);
  const session = await McpSession.open(sessionConfig(o, target, (t) => scrubber.text(t), noop, noop));
  try {
    const tools = await session.listTools(sdkTimeout(o.connectTimeoutMs));
    return { tools, info: session.serverInfo ?? {} };
  } catch (error) {
    const message = `MCP server "${o.name}" did not list its tools: ${messageOf(error)}${session.describeExit()}`;
    throw new McpConnectError(o.name, scrubber.text(message), { cause: error });
  } finally {
    await session.close();
  }
}
