import { describe, expect, it } from "vitest";
import { buildToolSet, type ActionListing } from "../src/run/tool-set.js";
import { parseToolName, toolName } from "../src/run/tool-names.js";

const action = (plugin: string, name: string): ActionListing => ({ plugin, name, description: name, tier: "AUTO" });

describe("tool names", () => {
  it("split at the first separator, so an action may hold one", () => {
    expect(parseToolName(toolName("calendar", "list__all"))).toEqual({ plugin: "calendar", action: "list__all" });
    expect(parseToolName("calendar")).toBeUndefined();
    expect(parseToolName("__x")).toBeUndefined();
    expect(parseToolName("x__")).toBeUndefined();
  });

  it("are never offered when they do not map back to exactly their plugin and action", () => {
    const skipped: string[] = [];
    const tools = buildToolSet(
      [action("notes_", "add"), action("notes", "_add"), action("notes", "add"), action("cal", "list__all")],
      () => true,
      (name) => skipped.push(name),
    );
    // "notes_" + "add" and "notes" + "_add" share one name; it maps back to the second only.
    expect([...tools.keys()]).toEqual(["notes___add", "notes__add", "cal__list__all"]);
    expect(skipped).toEqual(["notes___add"]);
    expect(tools.get("notes___add")).toMatchObject({ plugin: "notes", action: "_add" });
    expect(tools.get("notes__add")).toMatchObject({ plugin: "notes", action: "add" });
  });

  it("leave out names a provider would refuse, and the engine's own plugin name", () => {
    const skipped: string[] = [];
    buildToolSet(
      [action("cortex", "x"), action("p", "a".repeat(70))],
      () => true,
      (name) => skipped.push(name),
    );
    expect(skipped).toEqual(["cortex__x", `p__${"a".repeat(70)}`]);
  });
});
