import type { PluginResult } from "@cortex/plugins";
import { isPlainObject } from "@cortex/primitives";

/** One content part of a tool result as it appears in `PluginResult.data.content`. */
export type McpContentPart =
  | { type: "text"; text: string }
  | { type: "image" | "audio"; mimeType: string; bytes: number; data?: string }
  | {
      type: "resource_link";
      uri: string;
      name?: string;
      title?: string;
      description?: string;
      mimeType?: string;
      size?: number;
    }
  | { type: "resource"; uri: string; mimeType?: string; text?: string; bytes?: number; blob?: string }
  | { type: string; [key: string]: unknown };

/** `PluginResult.data` of every MCP tool call, successful or not. */
export interface McpToolData {
  /** The result's content parts, in order; binary payloads replaced by their size unless `includeBinary`. */
  content: McpContentPart[];
  /** The tool's structured result, when it returned one. */
  structuredContent?: Record<string, unknown>;
  /** Present when the result was cut to fit `maxResultChars`. */
  truncated?: { originalChars: number; limitChars: number; note: string };
}

/** How tool results are mapped (see {@link toPluginResult}). */
export interface ResultOptions {
  /** Characters of JSON `data` may take before it is cut. */
  readonly maxResultChars: number;
  /** Keep base64 payloads of images, audio and blobs (they still count towards the limit). */
  readonly includeBinary: boolean;
}

const NOTE_ROOM = 400;

/** Bytes in a base64 string, without decoding it. */
function base64Bytes(data: string): number {
  const padding = data.endsWith("==") ? 2 : data.endsWith("=") ? 1 : 0;
  return Math.max(0, Math.floor((data.length * 3) / 4) - padding);
}

const str = (value: unknown): string | undefined => (typeof value === "string" ? value : undefined);

function mapPart(part: unknown, options: ResultOptions): McpContentPart {
  if (!isPlainObject(part) || typeof part.type !== "string") return { type: "unknown" };
  switch (part.type) {
    case "text":
      return { type: "text", text: str(part.text) ?? "" };
    case "image":
    case "audio": {
      const data = str(part.data) ?? "";
      return {
        type: part.type,
        mimeType: str(part.mimeType) ?? "application/octet-stream",
        bytes: base64Bytes(data),
        ...(options.includeBinary ? { data } : {}),
      };
    }
    case "resource_link":
      return {
        type: "resource_link",
        uri: str(part.uri) ?? "",
        ...pick(part, ["name", "title", "description", "mimeType"]),
        ...(typeof part.size === "number" ? { size: part.size } : {}),
      };
    case "resource": {
      const resource = isPlainObject(part.resource) ? part.resource : {};
      const blob = str(resource.blob);
      return {
        type: "resource",
        uri: str(resource.uri) ?? "",
        ...pick(resource, ["mimeType", "text"]),
        ...(blob === undefined ? {} : { bytes: base64Bytes(blob), ...(options.includeBinary ? { blob } : {}) }),
      };
    }
    default:
      return { ...part, type: part.type };
  }
}

function pick(source: Record<string, unknown>, keys: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of keys) if (typeof source[key] === "string") out[key] = source[key];
  return out;
}

/** The text parts of a result joined by newlines: what a failure's `error` says. */
function textOf(content: readonly McpContentPart[]): string {
  return content
    .filter((p): p is { type: "text"; text: string } => p.type === "text")
    .map((p) => p.text)
    .join("\n");
}

/**
 * Maps an MCP `CallToolResult` to a `PluginResult`. `data` is always
 * {@link McpToolData}. `isError: true` is a failure with code
 * `CORTEX_MCP_TOOL_ERROR` whose `error` is the result's text. `scrub` runs
 * over everything first (credentials out), then `data` is cut to
 * `maxResultChars`: text parts are shortened, later parts and a
 * structured result that no longer fit are dropped, and `truncated` says so.
 */
export function toPluginResult(raw: unknown, options: ResultOptions, scrub: <T>(value: T) => T): PluginResult {
  const result = isPlainObject(raw) ? raw : {};
  const content = (Array.isArray(result.content) ? result.content : []).map((p) => mapPart(p, options));
  const data: McpToolData = scrub({
    content,
    ...(isPlainObject(result.structuredContent) ? { structuredContent: result.structuredContent } : {}),
  });
  const fitted = fit(data, options.maxResultChars);
  if (result.isError !== true) return { success: true, data: fitted };
  const message = textOf(fitted.content) || "the tool reported an error without a message";
  return { success: false, error: message, code: "CORTEX_MCP_TOOL_ERROR", data: fitted };
}

/** `data` cut to at most about `limit` characters of JSON, with a note when anything was cut. */
export function fit(data: McpToolData, limit: number): McpToolData {
  const originalChars = JSON.stringify(data).length;
  if (originalChars <= limit) return data;
  let budget = Math.max(0, limit - NOTE_ROOM);
  const content: McpContentPart[] = [];
  let shortened = 0;
  let dropped = 0;
  for (const part of data.content) {
    const size = JSON.stringify(part).length + 1;
    if (size <= budget) {
      content.push(part);
      budget -= size;
    } else if (part.type === "text" && budget > 40) {
      const text = (part as { text: string }).text;
      // JSON escaping can make text longer than its length: cut by measuring, not by guessing.
      let keep = Math.min(text.length, budget - 20);
      while (keep > 0 && JSON.stringify(text.slice(0, keep)).length + 20 > budget) keep = Math.floor(keep * 0.9);
      content.push({ type: "text", text: text.slice(0, keep) });
      budget = 0;
      shortened += 1;
    } else {
      dropped += 1;
    }
  }
  const structured = data.structuredContent;
  const keepStructured = structured !== undefined && JSON.stringify(structured).length <= budget;
  const what = [
    shortened > 0 ? `${shortened} text part(s) shortened` : "",
    dropped > 0 ? `${dropped} part(s) dropped` : "",
    structured !== undefined && !keepStructured ? "structuredContent dropped" : "",
  ].filter(Boolean);
  const note = `result cut to ${limit} of ${originalChars} characters (${what.join(", ") || "nothing fit"}); ask for less, e.g. a narrower query or a smaller range`;
  return {
    content,
    ...(keepStructured ? { structuredContent: structured } : {}),
    truncated: { originalChars, limitChars: limit, note },
  };
}
