import { afterEach, describe, expect, it } from "vitest";
import { joinText, padText, Printer, safeJson, text, textWidth } from "../src/printer.js";
import { startFakeModel, type FakeTurn } from "./fake-model.js";
import { FORBIDDEN, HOSTILE, hostileHost, hostilePackage } from "./hostile.js";
import { inProcess, removeLater, tempDir } from "./helpers.js";

function capture(color = false) {
  let written = "";
  return { p: new Printer({ write: (c: string) => (written += c) }, color), written: () => written };
}

/** No forbidden character in what was printed, once our own colour codes are taken out. */
function expectClean(output: string): void {
  // eslint-disable-next-line no-control-regex
  expect(output.replace(/\u001b\[[0-9;]*m/g, "")).not.toMatch(FORBIDDEN);
}

describe("Printer", () => {
  it("cleans every interpolated value: controls, escape sequences, bidi marks; breaks become spaces", () => {
    const c = capture();
    c.p.line(text`name ${HOSTILE} | ${"two\nlines\ttab\u2028sep"}`);
    expect(c.written()).toBe("name [2J]0;pwned31mesreverhidden  | two lines tab sep\n");
    expectClean(c.written());
  });

  it("keeps literal text, numbers and nested safe text, and cleans styled and joined values", () => {
    const c = capture(true);
    c.p.line(text`${c.p.style("red", `x${HOSTILE}`)} ${joinText(["a\u001b", "b\u202e"], ", ")} ${42}`);
    expect(c.written()).toBe("\u001b[31mx[2J]0;pwned31mesreverhidden \u001b[39m a, b 42\n");
    expect(text`${padText("ab\u202e", 4)}|`).toEqual(text`ab  |`);
    expect(textWidth(`ab${HOSTILE}`)).toBe(textWidth("ab[2J]0;pwned31mesreverhidden "));
  });

  it("writes a model's text line by line, every line cleaned", () => {
    const c = capture();
    c.p.block(`Done.\u001b[2J\r\nbye\u2029last\u009b`, "> ");
    expect(c.written()).toBe("> Done.[2J\n> bye\n> last\n");
  });

  it("writes streamed text as it comes, with no newline added, line breaks kept and every line cleaned", () => {
    const c = capture();
    c.p.text(`Do`);
    c.p.text(`ne.\u001b[2J\r\nb`);
    c.p.text("");
    c.p.text(`ye\u009b`);
    expect(c.written()).toBe("Done.[2J\nbye");
  });

  it("writes JSON Lines: one compact, clean record per line that parses to the same value", () => {
    const value = { [`k${HOSTILE}`]: [`v${HOSTILE}`, "\u2028"], n: 1 };
    const c = capture();
    c.p.jsonLine(value);
    c.p.jsonLine({ type: "finish" });
    const lines = c.written().split("\n");
    expect(lines).toHaveLength(3);
    expect(lines[2]).toBe("");
    expect(JSON.parse(lines[0]!)).toEqual(value);
    expect(lines[1]).toBe('{"type":"finish"}');
    expectClean(c.written());
  });

  it("writes JSON that parses to the same value, with nothing raw a terminal would act on", () => {
    const value = { [`k${HOSTILE}`]: [`v${HOSTILE}`, "\u2028"] };
    const c = capture();
    c.p.json(value);
    expect(JSON.parse(c.written())).toEqual(value);
    expectClean(c.written());
    expect(safeJson("\u009b\u202e")).toBe('"\\u009b\\u202e"');
  });

  it("resets colours only on a colour terminal", () => {
    const plain = capture();
    plain.p.reset();
    expect(plain.written()).toBe("");
    const coloured = capture(true);
    coloured.p.reset();
    expect(coloured.written()).toBe("\u001b[0m");
  });
});

describe("every command, with a plugin and a model whose every string is hostile", () => {
  let close: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await close?.();
    close = undefined;
  });

  it("plugins, as text (with colours too) and as JSON", async () => {
    const host = await hostileHost();
    const listed = await inProcess(["plugins"], { cwd: host.dir, env: host.env });
    expect(listed.code).toBe(1); // the hostile key fails to load
    expect(listed.stdout).toMatch(/^evil 1\.0\.0\[2J/m);
    expect(listed.stderr).toContain("warning [CORTEX_INVALID_SPECIFIER]");
    expectClean(listed.stdout + listed.stderr);
    const coloured = await inProcess(["plugins"], { cwd: host.dir, env: host.env, color: true });
    expect(coloured.stdout).toContain("\u001b[1mevil\u001b[22m");
    expectClean(coloured.stdout + coloured.stderr);
    const json = await inProcess(["plugins", "--json"], { cwd: host.dir, env: host.env });
    expectClean(json.stdout + json.stderr);
    const report = JSON.parse(json.stdout) as { plugins: { name: string; version: string; description: string }[] };
    expect(report.plugins.find((p) => p.name === "evil")).toMatchObject({
      version: `1.0.0${HOSTILE}`,
      description: `Evil ${HOSTILE} plugin.\nA second line ${HOSTILE}`,
    });
  });

  it("health, as text and as JSON", async () => {
    const host = await hostileHost();
    const table = await inProcess(["health"], { cwd: host.dir, env: host.env });
    expect(table.code).toBe(1);
    expect(table.stdout).toMatch(/^evil +UNHEALTHY down \[2J/m);
    expectClean(table.stdout + table.stderr);
    const json = await inProcess(["health", "--json"], { cwd: host.dir, env: host.env });
    expectClean(json.stdout + json.stderr);
    const report = JSON.parse(json.stdout) as { plugins: { plugin: string; error?: string }[] };
    expect(report.plugins.find((p) => p.plugin === "evil")?.error).toBe(`down ${HOSTILE}`);
  });

  it("exec: a result with hostile keys and values, and a hostile failure", async () => {
    const host = await hostileHost();
    const leak = await inProcess(["exec", "evil", "leak"], { cwd: host.dir, env: host.env });
    expect(leak.code).toBe(0);
    expectClean(leak.stdout + leak.stderr);
    expect(JSON.parse(leak.stdout)).toMatchObject({ success: true, data: { [`key${HOSTILE}`]: `value${HOSTILE}` } });
    const fail = await inProcess(["exec", "evil", "fail"], { cwd: host.dir, env: host.env });
    expect(fail.code).toBe(1);
    expect(fail.stderr).toMatch(/^error \[CORTEX_EVIL\[2J.*\]: failed \[2J/m);
    expectClean(fail.stdout + fail.stderr);
  });

  it("--help lists the hostile plugin's declared credential, cleaned", async () => {
    const host = await hostileHost();
    const help = await inProcess(["--help"], { cwd: host.dir, env: host.env });
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("Keys of the plugins installed here:");
    expect(help.stdout).toMatch(/CORTEX_EVIL_TOKEN_\w+ +evil: the token \[2J.*\(required, secret\)/);
    expectClean(help.stdout + help.stderr);
  });

  it("run: hostile model text, tool results and failures, and a hostile answer", async () => {
    const host = await hostileHost();
    const turns: FakeTurn[] = [
      { content: `Thinking ${HOSTILE}`, calls: [{ name: "evil__leak", arguments: { [`a${HOSTILE}`]: HOSTILE } }] },
      { calls: [{ name: "evil__fail", arguments: {} }] },
      { content: `Answer ${HOSTILE}\nsecond line` },
    ];
    const model = await startFakeModel(turns);
    close = model.close;
    const env = {
      ...host.env,
      CORTEX_MODEL: "fake",
      CORTEX_MODEL_BASE_URL: model.baseURL,
      CORTEX_MODEL_MAX_RETRIES: "0",
    };
    const run = await inProcess(["run", "go", "--verbose"], { cwd: host.dir, env });
    expect(run.code).toBe(0);
    // Each step's text streams to stdout; a carriage return ends a line instead of overwriting it.
    expect(run.stdout).toBe(
      "Thinking [2J]0;pwned31mesreverhidden\n\nAnswer [2J]0;pwned31mesreverhidden\n\nsecond line\n",
    );
    expect(run.stderr).toMatch(/✗ evil__fail \[CORTEX_EVIL\[2J/);
    expectClean(run.stdout + run.stderr);
  });

  it("demo: a hostile real model's narration and answer", async () => {
    const model = await startFakeModel([
      { content: `Listing ${HOSTILE}`, calls: [{ name: "calendar__list_events", arguments: {} }] },
      { content: `Done ${HOSTILE}` },
    ]);
    close = model.close;
    const env = { CORTEX_MODEL: `fake${HOSTILE}`, CORTEX_MODEL_BASE_URL: model.baseURL, CORTEX_MODEL_MAX_RETRIES: "0" };
    const demo = await inProcess(["demo", "--yes"], { cwd: await tempDir(), env });
    removeLater(/working folder +(\S+)/.exec(demo.stdout)![1]!);
    expect(demo.stdout).toContain("Done [2J");
    expectClean(demo.stdout + demo.stderr);
  });

  it("check-plugin: a hostile plugin's version, description and contract failures", async () => {
    const dir = await hostilePackage();
    const check = await inProcess(["check-plugin", dir], { env: {} });
    expect(check.code).toBe(1);
    expect(check.stdout).toContain("✗ contract");
    expect(check.stdout).toMatch(/metadata: plugin "evil": version .* is not semver/);
    expectClean(check.stdout + check.stderr);
  });

  it("create-plugin: a hostile folder name in its error", async () => {
    const dir = `${await tempDir()}/Evil${HOSTILE}`;
    const created = await inProcess(["create-plugin", dir]);
    expect(created.code).toBe(2);
    expect(created.stderr).toMatch(/^error \[CORTEX_SCAFFOLD_INVALID_NAME\]: "Evil\[2J/);
    expectClean(created.stdout + created.stderr);
  });
});
