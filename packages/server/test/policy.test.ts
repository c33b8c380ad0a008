import { describe, expect, it } from "vitest";
import { compilePolicy } from "../src/index.js";

describe("compilePolicy", () => {
  it("defaults: CONFIRM needs one approver or admin, ADMIN two admins and never the run's own principal", () => {
    const rules = compilePolicy();
    expect(rules("files", "write", "CONFIRM")).toEqual({
      quorum: 1,
      roles: ["approver", "admin"],
      expireAfterMs: 86_400_000,
      selfApproval: true,
    });
    expect(rules("files", "delete", "ADMIN")).toEqual({
      quorum: 2,
      roles: ["admin"],
      expireAfterMs: 86_400_000,
      selfApproval: false,
    });
    expect(rules("files", "x", "SOMETHING_NEW")).toMatchObject({ quorum: 2, roles: ["admin"] });
  });

  it("layers the tier's rule, the plugin's and the action's; ADMIN self-approval stays off", () => {
    const rules = compilePolicy({
      confirm: { expireAfterMs: 60_000 },
      admin: { quorum: 3 },
      rules: {
        files: { roles: ["ops"], selfApproval: true },
        "files.delete": { quorum: 4 },
        "calendar.create_event": { selfApproval: false },
      },
    });
    expect(rules("files", "write", "CONFIRM")).toEqual({
      quorum: 1,
      roles: ["ops"],
      expireAfterMs: 60_000,
      selfApproval: true,
    });
    expect(rules("files", "delete", "ADMIN")).toEqual({
      quorum: 4,
      roles: ["ops"],
      expireAfterMs: 86_400_000,
      selfApproval: false,
    });
    expect(rules("calendar", "create_event", "CONFIRM").selfApproval).toBe(false);
    expect(rules("git", "push", "ADMIN").quorum).toBe(3);
  });

  it("refuses rules it cannot use, naming them", () => {
    expect(() => compilePolicy({ admin: { quorum: 0 } })).toThrow(
      expect.objectContaining({ code: "CORTEX_INVALID_OPTIONS", option: "policy.admin.quorum" }) as Error,
    );
    expect(() => compilePolicy({ confirm: { roles: [] } })).toThrow(
      expect.objectContaining({ option: "policy.confirm.roles" }) as Error,
    );
    expect(() => compilePolicy({ rules: { "a.b.c": {} } })).toThrow(
      expect.objectContaining({ option: "policy.rules" }) as Error,
    );
    expect(() => compilePolicy({ rules: { files: { expireAfterMs: -1 } } })).toThrow(
      expect.objectContaining({ option: 'policy.rules["files"].expireAfterMs' }) as Error,
    );
  });
});
