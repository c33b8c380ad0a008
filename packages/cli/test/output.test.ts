import { describe, expect, it } from "vitest";
import { compact, printError, summarize, wrap } from "../src/output.js";
import { Printer, text } from "../src/printer.js";
import { UsageError } from "../src/errors.js";

function capture(color = false) {
  let text = "";
  return { p: new Printer({ write: (c: string) => (text += c) }, color), text: () => text };
}

describe("output", () => {
  it("summarizes listings by their items' names, anything else as one-line JSON", () => {
    expect(summarize({ events: [{ title: "A" }, { title: "B" }], skipped: 0 })).toBe("2 events: A, B");
    expect(summarize([{ path: "a.txt" }])).toBe("1 items: a.txt");
    expect(summarize({ path: "b.txt", bytes: 1 })).toBe('{"path":"b.txt","bytes":1}');
    expect(compact("x".repeat(300), 10)).toHaveLength(10);
  });

  it("wraps text at word boundaries with an indent", () => {
    expect(wrap("aaa bbb ccc", 7, "> ")).toEqual(["> aaa bbb", "> ccc"]);
  });

  it("prints errors as `error [CODE]: message`, problems one per line, and a hint, without colours when off", () => {
    const c = capture();
    printError(c.p, Object.assign(new UsageError("nope"), {}));
    printError(c.p, {
      code: "CORTEX_VALIDATION_FAILED",
      message: "m",
      plugin: "p",
      action: "a",
      issues: [{ path: "/x", message: "is required" }],
    });
    printError(c.p, new Error("boom"), "try again");
    expect(c.text()).toBe(
      [
        "error [CORTEX_CLI_USAGE]: nope",
        'error [CORTEX_VALIDATION_FAILED]: invalid parameters for "p.a":',
        "  /x: is required",
        "error [CORTEX_CLI_INTERNAL]: boom",
        "hint: try again",
        "",
      ].join("\n"),
    );
  });

  it("colours only when asked", () => {
    const c = capture(true);
    c.p.line(c.p.style("red", "x"));
    c.p.line(text`${c.p.style("green", "y")}`);
    expect(c.text()).toContain("\u001b[31m");
  });
});
