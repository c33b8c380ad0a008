import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { actionNameFor, assignActionNames, isActionName } from "../src/index.js";

const seed = process.env.CI ? 19 : Date.now() % 2 ** 31;

describe("actionNameFor", () => {
  it("keeps valid names and maps the others as documented", () => {
    expect(actionNameFor("read_text_file")).toBe("read_text_file");
    expect(actionNameFor("get-env")).toBe("get-env");
    expect(actionNameFor("files.read")).toBe("files_read");
    expect(actionNameFor("a__b")).toBe("a_b");
    expect(actionNameFor("9lives")).toBe("t_9lives");
    expect(actionNameFor("_hidden")).toBe("t_hidden");
    expect(actionNameFor("ünï/cödé")).toBe("t_n_c_d");
    expect(actionNameFor("trailing_")).toBe("trailing");
    expect(actionNameFor("___")).toBe("t");
  });

  it("always yields a valid action name, the same one every time", () => {
    console.log(`names property seed ${seed}`);
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 64 }), (name) => {
        const action = actionNameFor(name);
        expect(isActionName(action)).toBe(true);
        expect(actionNameFor(name)).toBe(action);
        if (isActionName(name)) expect(action).toBe(name);
      }),
      { seed, numRuns: 500 },
    );
  });
});

describe("assignActionNames", () => {
  it("refuses every tool whose action name another tool also maps to", () => {
    const names = assignActionNames(["a.b", "a_b", "a-b", "x.y"]);
    expect(names.get("a-b")).toEqual({ action: "a-b" });
    expect(names.get("x.y")).toEqual({ action: "x_y" });
    expect(names.get("a.b")).toMatchObject({ refused: expect.stringContaining('"a_b"') as string });
    expect(names.get("a_b")).toMatchObject({ refused: expect.stringContaining('"a.b"') as string });
  });

  it("maps distinct tools to distinct actions, whatever the order", () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.string({ minLength: 1, maxLength: 12 }), { maxLength: 12 }), (tools) => {
        const forward = assignActionNames(tools);
        const backward = assignActionNames([...tools].reverse());
        const actions = [...forward.values()].flatMap((a) => ("action" in a ? [a.action] : []));
        expect(new Set(actions).size).toBe(actions.length);
        for (const tool of tools) expect(backward.get(tool)).toEqual(forward.get(tool));
      }),
      { seed, numRuns: 300 },
    );
  });
});
