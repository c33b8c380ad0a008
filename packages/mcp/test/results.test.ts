import { describe, expect, it } from "vitest";
import { toPluginResult, type McpToolData } from "../src/index.js";

const options = { maxResultChars: 2_000, includeBinary: false };
const same = <T>(value: T) => value;

describe("toPluginResult", () => {
  it("keeps base64 payloads only with includeBinary", () => {
    const raw = { content: [{ type: "image", data: "AAAA", mimeType: "image/png" }] };
    expect(toPluginResult(raw, options, same).data).toEqual({
      content: [{ type: "image", mimeType: "image/png", bytes: 3 }],
    });
    expect(toPluginResult(raw, { ...options, includeBinary: true }, same).data).toEqual({
      content: [{ type: "image", mimeType: "image/png", bytes: 3, data: "AAAA" }],
    });
  });

  it("makes isError a failure whose error is the text, keeping the data", () => {
    const result = toPluginResult(
      {
        isError: true,
        content: [
          { type: "text", text: "a" },
          { type: "text", text: "b" },
        ],
      },
      options,
      same,
    );
    expect(result).toMatchObject({ success: false, code: "CORTEX_MCP_TOOL_ERROR", error: "a\nb" });
    expect(toPluginResult({ isError: true, content: [] }, options, same).error).toMatch(/without a message/);
  });

  it("passes unknown content kinds through and tolerates a malformed result", () => {
    expect(toPluginResult({ content: [{ type: "future", x: 1 }, 7] }, options, same).data).toEqual({
      content: [{ type: "future", x: 1 }, { type: "unknown" }],
    });
    expect(toPluginResult(null, options, same)).toEqual({ success: true, data: { content: [] } });
  });

  it("cuts text, drops what no longer fits, and notes it, within the limit", () => {
    const raw = {
      content: [
        { type: "text", text: "y".repeat(1_000) },
        { type: "text", text: "z\n".repeat(5_000) },
        { type: "resource_link", uri: "file:///a", name: "a" },
      ],
      structuredContent: { big: "q".repeat(5_000) },
    };
    const data = toPluginResult(raw, options, same).data as McpToolData;
    expect(JSON.stringify(data).length).toBeLessThanOrEqual(2_000);
    expect(data.content[0]).toEqual({ type: "text", text: "y".repeat(1_000) });
    expect((data.content[1] as { text: string }).text).toMatch(/^(z\n)+z?$/);
    expect(data.content).toHaveLength(2);
    expect(data.structuredContent).toBeUndefined();
    expect(data.truncated?.note).toMatch(/1 text part\(s\) shortened, 1 part\(s\) dropped, structuredContent dropped/);
  });

  it("scrubs before cutting, so a cut never leaves part of a secret", () => {
    const secret = "SECRET-VALUE";
    const raw = { content: [{ type: "text", text: `${"a".repeat(1_580)}${secret}${"b".repeat(5_000)}` }] };
    const scrub = <T>(value: T) => JSON.parse(JSON.stringify(value).split(secret).join("[REDACTED]")) as T;
    const text = JSON.stringify(toPluginResult(raw, options, scrub).data);
    expect(text).not.toContain("SECRET");
  });
});
