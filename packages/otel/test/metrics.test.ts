import { describe, expect, it } from "vitest";
import { answer, call, setup } from "./support.js";

describe("OpenTelemetryExtension metrics", () => {
  it("records token usage and operation duration histograms, and tool calls, approvals and denials", async () => {
    const { engine, reader } = setup(
      [
        call("notes__add", { text: "a" }, "c1"),
        call("notes__explode", {}, "c2"),
        call("notes__publish", { text: "b" }, "c3"),
        call("notes__publish", { text: "c" }, "c4"),
        answer("done"),
      ],
      {
        engine: { approver: (request) => ({ approved: (request.params as { text: string }).text === "b" }) },
      },
    );
    const result = await engine.run("assistant", "go");
    expect(result.status).toBe("completed");

    const tokens = await reader.points("gen_ai.client.token.usage");
    const common = {
      "gen_ai.operation.name": "chat",
      "gen_ai.provider.name": "cortex-test",
      "gen_ai.request.model": "scripted-1",
    };
    expect(tokens).toEqual(
      expect.arrayContaining([
        {
          attributes: { ...common, "gen_ai.token.type": "input" },
          value: expect.objectContaining({ count: 5, sum: 60 }) as unknown,
        },
        {
          attributes: { ...common, "gen_ai.token.type": "output" },
          value: expect.objectContaining({ count: 5, sum: 17 }) as unknown,
        },
      ]),
    );
    expect(tokens).toHaveLength(2);
    const durations = await reader.points("gen_ai.client.operation.duration");
    expect(durations).toEqual([{ attributes: common, value: expect.objectContaining({ count: 5 }) as unknown }]);
    const tools = await reader.points("cortex.tool.calls");
    expect(tools).toEqual(
      expect.arrayContaining([
        { attributes: { "gen_ai.tool.name": "notes__add", outcome: "ok" }, value: 1 },
        { attributes: { "gen_ai.tool.name": "notes__explode", outcome: "error" }, value: 1 },
        { attributes: { "gen_ai.tool.name": "notes__publish", outcome: "ok" }, value: 1 },
        { attributes: { "gen_ai.tool.name": "notes__publish", outcome: "error" }, value: 1 },
      ]),
    );
    expect(await reader.points("cortex.approvals")).toEqual([
      { attributes: { "gen_ai.tool.name": "notes__publish" }, value: 1 },
    ]);
    expect(await reader.points("cortex.denials")).toEqual([
      { attributes: { "gen_ai.tool.name": "notes__publish" }, value: 1 },
    ]);
  });

  it("records a failed model call's duration with its error.type", async () => {
    const { engine, reader } = setup([
      () => {
        throw new Error("down");
      },
    ]);
    const result = await engine.run("assistant", "go");
    expect(result.status).toBe("failed");
    const durations = await reader.points("gen_ai.client.operation.duration");
    expect(durations).toHaveLength(1);
    expect(durations[0]!.attributes["error.type"]).toEqual(expect.any(String) as unknown);
    expect(await reader.points("gen_ai.client.token.usage")).toEqual([]);
  });
});
