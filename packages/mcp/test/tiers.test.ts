import { describe, expect, it } from "vitest";
import { isStricter, stricterTier, tierForTool, type TierRules } from "../src/index.js";

const rules: TierRules = { defaultTier: "CONFIRM", trustAnnotations: true };

describe("tierForTool", () => {
  it("is AUTO only for readOnlyHint: true without destructiveHint: true", () => {
    expect(tierForTool("t", "t", { readOnlyHint: true }, rules)).toBe("AUTO");
    expect(tierForTool("t", "t", { readOnlyHint: true, destructiveHint: false }, rules)).toBe("AUTO");
    expect(tierForTool("t", "t", { readOnlyHint: true, destructiveHint: true }, rules)).toBe("CONFIRM");
    expect(tierForTool("t", "t", { readOnlyHint: "true" }, rules)).toBe("CONFIRM");
    expect(tierForTool("t", "t", { readOnlyHint: false, destructiveHint: false }, rules)).toBe("CONFIRM");
    expect(tierForTool("t", "t", undefined, rules)).toBe("CONFIRM");
  });

  it("gives every other tool defaultTier, and no AUTO at all when annotations are not trusted", () => {
    expect(tierForTool("t", "t", undefined, { ...rules, defaultTier: "ADMIN" })).toBe("ADMIN");
    expect(tierForTool("t", "t", { readOnlyHint: true }, { ...rules, trustAnnotations: false })).toBe("CONFIRM");
  });

  it("lets an explicit entry win, by tool name first, then by action name", () => {
    const tiers = { "files.read": "AUTO", files_write: "ADMIN", "x.y": "CONFIRM", x_y: "AUTO" } as const;
    expect(tierForTool("files.read", "files_read", { destructiveHint: true }, { ...rules, tiers })).toBe("AUTO");
    expect(tierForTool("files.write", "files_write", { readOnlyHint: true }, { ...rules, tiers })).toBe("ADMIN");
    expect(tierForTool("x.y", "x_y", undefined, { ...rules, tiers })).toBe("CONFIRM");
  });
});

describe("stricterTier", () => {
  it("orders AUTO < CONFIRM < ADMIN", () => {
    expect(stricterTier("AUTO", "CONFIRM")).toBe("CONFIRM");
    expect(stricterTier("ADMIN", "CONFIRM")).toBe("ADMIN");
    expect(stricterTier("AUTO", "AUTO")).toBe("AUTO");
    expect(isStricter("CONFIRM", "AUTO")).toBe(true);
    expect(isStricter("CONFIRM", "CONFIRM")).toBe(false);
  });
});
