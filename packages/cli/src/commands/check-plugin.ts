import { readFile, stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import {
  EnvBroker,
  MemoryBroker,
  PluginRegistry,
  isCortexError,
  silentLogger,
  type Plugin,
  type RegisteredAction,
} from "@cortex/plugins";
import { checkPluginContract } from "@cortex/testing";
import type { Command } from "../command.js";
import { entryPoints, packedFiles } from "../scaffold/entry-points.js";
import { ScaffoldError, reportError, type CommandIO } from "../scaffold/errors.js";
import { throwawayHost } from "../scaffold/load.js";
import { commandIO } from "./create-plugin.js";

/** Arguments of {@link checkPlugin}. */
export interface CheckPluginArgs {
  /** The plugin package's folder (holding its package.json); built already. */
  dir: string;
  /** A JSON file `{ "<key>": "<value>" }` of credentials for the contract's `setup`; the environment is the fallback. */
  credentials?: string;
}

/** One problem found, with what to do about it. */
interface Problem {
  message: string;
  fix: string;
}

interface CheckOutcome {
  name: string;
  summary: string;
  problems: Problem[];
  notes: string[];
}

const CHECK_COUNT = 5;
const WEAK_HINT = ' (give the action\'s parameters schema "examples": [{ ...valid params }] to make the check strong)';
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const messageOf = (e: unknown) => (e instanceof Error ? e.message : String(e));

/**
 * `cortex check-plugin [dir]`, run before publishing a plugin package:
 * 1. package.json has a name and a non-empty `cortex.plugins`;
 * 2. each entry loads through `discoverPlugins` in a throwaway host where
 *    the package is installed from its `npm pack` tarball with only its
 *    declared dependencies beside it, and its `name` is its key;
 * 3. each plugin registers in a real `PluginRegistry` (every schema compiles);
 * 4. each plugin passes `checkPluginContract` (credentials from
 *    `--credentials <file>`, then `CORTEX_*` environment variables);
 * 5. `npm pack` would publish every entry point that `main`, `module`,
 *    `types`, `exports`, `bin` and `cortex.plugins` name.
 * Prints each result with what to fix; resolves to 0 when all pass, 1 when
 * any fails, 2 when the credentials file is unusable.
 */
export async function checkPlugin(args: CheckPluginArgs, io: CommandIO): Promise<number> {
  try {
    const dir = resolve(args.dir);
    const credentials = args.credentials === undefined ? undefined : await readCredentials(resolve(args.credentials));
    const manifest = await readManifest(dir);
    const outcomes: CheckOutcome[] = [];
    const report = (o: CheckOutcome) => {
      outcomes.push(o);
      printOutcome(io, o);
    };
    const label =
      typeof manifest.value?.name === "string" ? `${manifest.value.name}@${String(manifest.value.version)}` : dir;
    io.stdout(`Checking ${label} (${dir})\n`);

    const declared = checkManifest(manifest);
    report(declared.outcome);
    if (declared.outcome.problems.length === 0 && manifest.value && declared.packageName) {
      await checkPlugins(dir, declared.packageName, declared.keys, credentials, io, report);
    } else {
      for (const name of ["load", "register", "contract"])
        report({ name, summary: "skipped: package.json is not usable", problems: [], notes: [] });
    }
    report(
      manifest.value
        ? await checkPack(dir, manifest.value)
        : { name: "pack", summary: "skipped", problems: [], notes: [] },
    );

    const failed = outcomes.filter((o) => o.problems.length > 0).length;
    if (failed > 0) {
      throw new ScaffoldError("CORTEX_CHECK_FAILED", `${failed} of ${CHECK_COUNT} checks failed for ${label}`, {
        hint: "fix the problems above (each says how), rebuild, and run check-plugin again",
      });
    }
    io.stdout(`All ${CHECK_COUNT} checks passed: ${label} is ready to publish.\n`);
    return 0;
  } catch (error) {
    return reportError(io, error);
  }
}

async function readCredentials(file: string): Promise<Record<string, string>> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    throw new ScaffoldError(
      "CORTEX_CHECK_INVALID_CREDENTIALS",
      `cannot read credentials from ${file}: ${messageOf(error)}`,
      { cause: error },
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    // JSON.parse's message quotes the text around the mistake, and this text holds secrets: keep only the position.
    const position = /\bposition (\d+)/.exec(messageOf(error))?.[1];
    throw new ScaffoldError(
      "CORTEX_CHECK_INVALID_CREDENTIALS",
      `cannot read credentials from ${file}: not valid JSON${position === undefined ? "" : ` (at position ${position})`}`,
    );
  }
  if (!isObject(parsed) || Object.values(parsed).some((v) => typeof v !== "string")) {
    throw new ScaffoldError(
      "CORTEX_CHECK_INVALID_CREDENTIALS",
      `${file} must hold a JSON object of strings, e.g. { "weather_api_key": "..." }`,
    );
  }
  return parsed as Record<string, string>;
}

async function readManifest(dir: string): Promise<{ value?: Record<string, unknown>; error?: string }> {
  if (
    !(await stat(dir).then(
      (s) => s.isDirectory(),
      () => false,
    ))
  )
    return { error: `${dir} is not a folder` };
  try {
    const value: unknown = JSON.parse(await readFile(join(dir, "package.json"), "utf8"));
    return isObject(value) ? { value } : { error: "package.json does not hold a JSON object" };
  } catch (error) {
    return { error: `cannot read package.json: ${messageOf(error)}` };
  }
}

function checkManifest(manifest: { value?: Record<string, unknown>; error?: string }) {
  const outcome: CheckOutcome = { name: "package.json", summary: "", problems: [], notes: [] };
  const m = manifest.value;
  if (m === undefined) {
    outcome.problems.push({
      message: manifest.error ?? "no package.json",
      fix: "run check-plugin in (or pass) the plugin package's folder",
    });
    return { outcome, keys: [] };
  }
  const packageName = typeof m.name === "string" && m.name !== "" ? m.name : undefined;
  if (!packageName)
    outcome.problems.push({ message: "package.json has no name", fix: 'add "name", e.g. "cortex-plugin-notes"' });
  const plugins = isObject(m.cortex) ? m.cortex.plugins : undefined;
  const keys = isObject(plugins) ? Object.keys(plugins) : [];
  if (keys.length === 0) {
    outcome.problems.push({
      message:
        plugins === undefined
          ? 'package.json has no "cortex.plugins" field: discovery will skip this package'
          : '"cortex.plugins" must be a non-empty object',
      fix: 'add "cortex": { "plugins": { "<plugin-name>": "./dist/index.js#<ExportName>" } }',
    });
  }
  const peers = isObject(m.peerDependencies) ? m.peerDependencies : {};
  if (!("@cortex/plugins" in peers)) {
    outcome.notes.push(
      "warning: @cortex/plugins is not a peerDependency; declare it there so the host app's copy is the one used",
    );
  }
  outcome.summary = `cortex.plugins declares ${keys.map((k) => `"${k}"`).join(", ") || "nothing"}`;
  return { outcome, packageName, keys };
}

async function checkPlugins(
  dir: string,
  packageName: string,
  keys: string[],
  credentials: Record<string, string> | undefined,
  io: CommandIO,
  report: (o: CheckOutcome) => void,
): Promise<void> {
  let host: Awaited<ReturnType<typeof throwawayHost>>;
  try {
    host = await throwawayHost(dir, packageName);
  } catch (error) {
    report({
      name: "load",
      summary: "",
      problems: [
        {
          message: `cannot install the package as npm pack publishes it: ${messageOf(error)}`,
          fix: "make `npm pack` work in the package folder",
        },
      ],
      notes: [],
    });
    for (const name of ["register", "contract"])
      report({ name, summary: "skipped: the package could not be installed", problems: [], notes: [] });
    return;
  }
  try {
    const load: CheckOutcome = { name: "load", summary: "", problems: [], notes: [] };
    const loaded = new Map<string, Plugin>();
    const found = await host.discover();
    for (const key of keys) {
      const plugin = found.plugins.find((p) => p.name === key)?.plugin;
      if (plugin) loaded.set(key, plugin);
      const failure = found.failed.find((f) => f.plugin === key || f.plugin === undefined);
      if (!plugin && failure)
        load.problems.push({
          message: `[${failure.error.code}] ${failure.error.message}`,
          fix: discoveryFix(failure.error.code, failure.error.message),
        });
      else if (!plugin) {
        const skipped = found.skipped.map((x) => x.reason).join("; ") || "not found";
        load.problems.push({
          message: `"${key}" was not discovered: ${skipped}`,
          fix: "check the package name and the cortex.plugins field",
        });
      }
    }
    load.summary = `${loaded.size} of ${keys.length} plugin(s) load from what npm pack publishes, with only the declared dependencies, the way discovery does`;
    report(load);

    const register: CheckOutcome = { name: "register", summary: "", problems: [], notes: [] };
    // Per plugin, params for its CONFIRM/ADMIN actions (from their schemas' `examples`) for a strong approval check.
    const registered = new Map<string, Record<string, Record<string, unknown>>>();
    for (const [key, plugin] of loaded) {
      const registry = new PluginRegistry({ broker: new MemoryBroker(), logger: silentLogger });
      try {
        registry.register(plugin);
        registered.set(key, exampleParams(registry.listActions()));
        register.notes.push(
          `"${key}": ${registry
            .listActions()
            .map((a) => `${a.name} (${a.tier})`)
            .join(", ")}`,
        );
      } catch (error) {
        const code = isCortexError(error) ? error.code : "error";
        register.problems.push({
          message: `"${key}" [${code}]: ${messageOf(error)}`,
          fix:
            code === "CORTEX_INVALID_SCHEMA"
              ? "fix that action's `parameters` so it is a JSON Schema ajv compiles"
              : "fix what the message names",
        });
      } finally {
        await registry.shutdown();
      }
    }
    register.summary = `${registered.size} of ${loaded.size} plugin(s) register in a PluginRegistry; every action schema compiles`;
    report(register);

    const contract: CheckOutcome = { name: "contract", summary: "", problems: [], notes: [] };
    const broker = new EnvBroker({ env: io.env ?? process.env });
    for (const [key, validParams] of registered) {
      const options = { ...(credentials ? { credentials } : {}), broker, validParams };
      const result = await checkPluginContract(() => host.fresh(key), options);
      const setupFailed = result.checks.some((c) => c.name === "setup" && !c.passed);
      const blocked: string[] = [];
      for (const c of result.checks) {
        // Without a working setup most checks fail with the same message: report it once.
        if (!c.passed && setupFailed && c.name !== "setup" && c.message?.startsWith("could not register and set up"))
          blocked.push(c.name);
        else if (!c.passed)
          contract.problems.push({
            message: `"${key}" ${c.name}: ${c.message ?? "failed"}`,
            fix: contractFix(c.name, c.message),
          });
        else if (c.message)
          contract.notes.push(`note: "${key}" ${c.name}: ${c.message}${c.message.startsWith("weak") ? WEAK_HINT : ""}`);
      }
      if (blocked.length > 0)
        contract.notes.push(`"${key}": ${blocked.join(", ")} could not run without a working setup`);
    }
    contract.summary = `${registered.size} plugin(s) pass the @cortex/testing contract suite`;
    report(contract);
  } finally {
    await host.remove();
  }
}

/** The first of each CONFIRM/ADMIN action's schema `examples` that is an object. */
function exampleParams(actions: readonly RegisteredAction[]): Record<string, Record<string, unknown>> {
  const params: Record<string, Record<string, unknown>> = {};
  for (const action of actions) {
    const examples = action.parameters?.examples;
    const first: unknown = Array.isArray(examples) ? examples[0] : undefined;
    if (action.tier !== "AUTO" && isObject(first)) params[action.name] = first;
  }
  return params;
}

function discoveryFix(code: string, message: string): string {
  if (code === "CORTEX_PLUGIN_NAME_MISMATCH")
    return "make the cortex.plugins key equal the plugin's `name` (discovery never renames)";
  if (code === "CORTEX_INVALID_SPECIFIER" && message.includes("does not exist")) {
    return 'build the package (npm run build) and make sure "files" in package.json publishes it, or point the entry at a file that exists';
  }
  if (code === "CORTEX_PLUGIN_LOAD_FAILED" && /Cannot find (package|module)/.test(message)) {
    return 'declare every package the code imports in dependencies (or peerDependencies), and publish every file it imports ("files" in package.json): users get only what npm pack publishes and what it declares';
  }
  if (code === "CORTEX_INVALID_SPECIFIER")
    return 'write the entry as "<plugin-name>": "./dist/index.js#<ExportName>" (a path inside the package)';
  if (code === "CORTEX_PLUGIN_LOAD_FAILED")
    return "make the module import cleanly and export a plugin class (no-argument constructor), factory or object under that name";
  return "fix package.json";
}

function contractFix(check: string, message = ""): string {
  if (check === "setup" && /credential .* is missing/.test(message)) {
    return "give the credentials setup needs: --credentials <file.json> or CORTEX_<KEY> environment variables";
  }
  if (check === "approval")
    return "give actions that change things the CONFIRM or ADMIN tier; never run them from another action";
  return `see the "${check}" row of @cortex/testing's contract table; run describePluginContract in your tests to reproduce`;
}

async function checkPack(dir: string, manifest: Record<string, unknown>): Promise<CheckOutcome> {
  const outcome: CheckOutcome = { name: "pack", summary: "", problems: [], notes: [] };
  const entries = entryPoints(manifest);
  let files: Set<string>;
  try {
    files = await packedFiles(dir);
  } catch (error) {
    outcome.problems.push({ message: messageOf(error), fix: "make `npm pack --dry-run` work in the package folder" });
    return outcome;
  }
  const byPath = new Map<string, string[]>();
  for (const entry of entries) byPath.set(entry.path, [...(byPath.get(entry.path) ?? []), entry.field]);
  for (const [path, fields] of byPath) {
    if (files.has(path)) continue;
    const exists = await stat(join(dir, path)).then(
      (s) => s.isFile(),
      () => false,
    );
    const named = `${fields.join(", ")} name${fields.length === 1 ? "s" : ""} ${path}`;
    outcome.problems.push(
      exists
        ? {
            message: `${named}, which npm would not publish`,
            fix: `add it (e.g. "dist") to "files" in package.json, or check .npmignore`,
          }
        : { message: `${named}, which does not exist`, fix: "build the package (npm run build) or fix the path" },
    );
  }
  outcome.summary = `npm pack would publish all ${byPath.size} entry file(s): ${[...byPath.keys()].join(", ")}`;
  return outcome;
}

function printOutcome(io: CommandIO, o: CheckOutcome): void {
  if (o.problems.length === 0) io.stdout(`  ✓ ${o.name}: ${o.summary}\n`);
  else io.stdout(`  ✗ ${o.name}: ${o.problems.length} problem(s)\n`);
  for (const p of o.problems) io.stdout(`      - ${p.message}\n        fix: ${p.fix}\n`);
  for (const n of o.notes) io.stdout(`      ${n}\n`);
}

/** `cortex check-plugin`, in the shape `main.ts` lists commands. */
export const checkPluginCommand: Command = {
  name: "check-plugin",
  summary: "Check a built plugin package before publishing it",
  usage: "check-plugin [dir] [--credentials <file.json>]",
  details: [
    "Checks the package in [dir] (default: the current folder), after its build:",
    "  package.json   has a name and a non-empty cortex.plugins field",
    "  load           each entry loads, as discovery loads it, from what npm pack publishes with only the",
    "                 declared dependencies installed, and is named as its key",
    "  register       each plugin registers in a PluginRegistry (every action schema compiles)",
    "  contract       each plugin passes the @cortex/testing contract suite",
    "  pack           npm pack would publish every entry point of main/exports/bin/cortex.plugins",
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
  run(ctx) {
    const credentials =
      typeof ctx.flags.credentials === "string" ? resolve(ctx.io.cwd, ctx.flags.credentials) : undefined;
    return checkPlugin(
      { dir: resolve(ctx.io.cwd, ctx.positionals[0] ?? "."), ...(credentials ? { credentials } : {}) },
      commandIO(ctx),
    );
  },
};
