import { readFile, stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import { isPlainObject, messageOf } from "@cortex/primitives";
import { PLUGIN_CHECKS } from "../check/checks.js";
import type { CheckOutcome, CheckState, PluginCheck } from "../check/check.js";
import { stringFlag, type Command } from "../command.js";
import { CommandFailedError, EXIT_OK, InvalidCredentialsError } from "../errors.js";
import { withHint } from "../hints.js";
import { text, type Printer } from "../printer.js";

/**
 * `cortex check-plugin [dir]`, run before publishing a plugin package: runs
 * {@link PLUGIN_CHECKS} in order against the built package in `dir` and
 * prints each result with what to fix. Exit status 0 when all pass, 1 when
 * any fails, 2 when the credentials file is unusable.
 */
export const checkPluginCommand: Command = {
  name: "check-plugin",
  summary: "Check a built plugin package before publishing it",
  usage: "check-plugin [dir] [--credentials <file.json>]",
  details: [
    "Checks the package in [dir] (default: the current folder), after its build:",
    ...PLUGIN_CHECKS.flatMap((check) =>
      check.verifies.split("\n").map((line, i) => `  ${(i === 0 ? check.name : "").padEnd(13)}  ${line}`),
    ),
    "Credentials for the plugins' setup come from --credentials (a JSON object of strings), then",
    "from CORTEX_<KEY> environment variables. Exit status 1 when any check fails.",
  ].join("\n"),
  options: {
    credentials: {
      type: "string",
      value: "<file.json>",
      description: 'credentials for setup, e.g. { "weather_api_key": "..." }',
    },
  },
  args: { min: 0, max: 1 },
  async run(ctx) {
    const file = stringFlag(ctx, "credentials");
    const credentials = file === undefined ? undefined : await readCredentials(resolve(ctx.io.cwd, file));
    const dir = resolve(ctx.io.cwd, ctx.positionals[0] ?? ".");
    const manifest = await readManifest(dir);
    const state: CheckState = {
      dir,
      manifest: manifest.value,
      manifestError: manifest.error,
      credentials,
      env: ctx.io.env,
      keys: [],
      loaded: new Map(),
      registered: new Map(),
      declared: new Map(),
    };
    const p = ctx.out;
    const label =
      typeof manifest.value?.name === "string" ? `${manifest.value.name}@${String(manifest.value.version)}` : dir;
    p.line(text`Checking ${label} (${dir})`);
    let failed = 0;
    try {
      for (const check of PLUGIN_CHECKS) {
        const result = await runCheck(check, state);
        if (result.problems.length > 0) failed += 1;
        printOutcome(p, check.name, result);
      }
    } finally {
      await state.host?.remove();
    }
    if (failed > 0) {
      throw withHint(
        new CommandFailedError(
          "CORTEX_CHECK_FAILED",
          `${failed} of ${PLUGIN_CHECKS.length} checks failed for ${label}`,
        ),
        "fix the problems above (each says how), rebuild, and run check-plugin again",
      );
    }
    p.line(text`All ${PLUGIN_CHECKS.length} checks passed: ${label} is ready to publish.`);
    return EXIT_OK;
  },
};

/** Runs one check, or skips it when what it needs did not pass; a check that throws fails with its message. */
async function runCheck(check: PluginCheck, state: CheckState): Promise<CheckOutcome> {
  if (check.needs === "manifest" && state.manifest === undefined) return skipped("package.json could not be read");
  if (check.needs === "package" && state.blocked !== undefined) return skipped(state.blocked);
  try {
    return await check.run(state);
  } catch (error) {
    return {
      summary: "",
      notes: [],
      problems: [{ message: `the check failed: ${messageOf(error)}`, fix: "see the message" }],
    };
  }
}

function skipped(why: string): CheckOutcome {
  return { summary: "", problems: [], notes: [], skipped: why };
}

function printOutcome(p: Printer, name: string, o: CheckOutcome): void {
  if (o.skipped !== undefined) p.line(text`  - ${name}: skipped: ${o.skipped}`);
  else if (o.problems.length === 0) p.line(text`  ✓ ${name}: ${o.summary}`);
  else p.line(text`  ✗ ${name}: ${o.problems.length} problem(s)`);
  for (const problem of o.problems) {
    p.line(text`      - ${problem.message}`);
    p.line(text`        fix: ${problem.fix}`);
  }
  for (const note of o.notes) p.line(text`      ${note}`);
}

async function readCredentials(file: string): Promise<Record<string, string>> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    throw new InvalidCredentialsError(`cannot read credentials from ${file}: ${messageOf(error)}`, { cause: error });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    // JSON.parse's message quotes the text around the mistake, and this text holds secrets: keep only the position.
    const position = /\bposition (\d+)/.exec(messageOf(error))?.[1];
    throw new InvalidCredentialsError(
      `cannot read credentials from ${file}: not valid JSON${position === undefined ? "" : ` (at position ${position})`}`,
    );
  }
  if (!isPlainObject(parsed) || Object.values(parsed).some((v) => typeof v !== "string")) {
    throw new InvalidCredentialsError(`${file} must hold a JSON object of strings, e.g. { "weather_api_key": "..." }`);
  }
  return parsed as Record<string, string>;
}

async function readManifest(dir: string): Promise<{ value?: Record<string, unknown>; error?: string }> {
  const isFolder = await stat(dir).then(
    (s) => s.isDirectory(),
    () => false,
  );
  if (!isFolder) return { error: `${dir} is not a folder` };
  try {
    const value: unknown = JSON.parse(await readFile(join(dir, "package.json"), "utf8"));
    return isPlainObject(value) ? { value } : { error: "package.json does not hold a JSON object" };
  } catch (error) {
    return { error: `cannot read package.json: ${messageOf(error)}` };
  }
}
