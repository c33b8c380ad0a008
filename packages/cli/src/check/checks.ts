import { stat } from "node:fs/promises";
import { join } from "node:path";
import {
  credentialVariable,
  EnvBroker,
  isCortexError,
  MemoryBroker,
  PluginRegistry,
  silentLogger,
} from "@cortex/plugins";
import type { RegisteredAction } from "@cortex/plugins";
import { isPlainObject, messageOf } from "@cortex/primitives";
import { outcome, type PluginCheck } from "./check.js";
import { entryPoints, packedFiles } from "./entry-points.js";
import { throwawayHost } from "./host.js";

const WEAK_HINT = ' (give the action\'s parameters schema "examples": [{ ...valid params }] to make the check strong)';

/** package.json has a name and a non-empty `cortex.plugins`. */
const packageJson: PluginCheck = {
  name: "package.json",
  verifies: "has a name and a non-empty cortex.plugins field",
  run(state) {
    const result = outcome();
    const m = state.manifest;
    if (m === undefined) {
      state.blocked = "package.json is not usable";
      result.problems.push({
        message: state.manifestError ?? "no package.json",
        fix: "run check-plugin in (or pass) the plugin package's folder",
      });
      return Promise.resolve(result);
    }
    const packageName = typeof m.name === "string" && m.name !== "" ? m.name : undefined;
    if (!packageName)
      result.problems.push({ message: "package.json has no name", fix: 'add "name", e.g. "cortex-plugin-notes"' });
    const plugins = isPlainObject(m.cortex) ? m.cortex.plugins : undefined;
    const keys = isPlainObject(plugins) ? Object.keys(plugins) : [];
    if (keys.length === 0) {
      result.problems.push({
        message:
          plugins === undefined
            ? 'package.json has no "cortex.plugins" field: discovery will skip this package'
            : '"cortex.plugins" must be a non-empty object',
        fix: 'add "cortex": { "plugins": { "<plugin-name>": "./dist/index.js#<ExportName>" } }',
      });
    }
    const peers = isPlainObject(m.peerDependencies) ? m.peerDependencies : {};
    if (!("@cortex/plugins" in peers)) {
      result.notes.push(
        "warning: @cortex/plugins is not a peerDependency; declare it there so the host app's copy is the one used",
      );
    }
    result.summary = `cortex.plugins declares ${keys.map((k) => `"${k}"`).join(", ") || "nothing"}`;
    if (result.problems.length > 0) state.blocked = "package.json is not usable";
    else {
      state.packageName = packageName;
      state.keys = keys;
    }
    return Promise.resolve(result);
  },
};

/** Each entry loads through discovery from what `npm pack` publishes, with only the declared dependencies. */
const load: PluginCheck = {
  name: "load",
  verifies:
    "each entry loads, as discovery loads it, from what npm pack publishes with only the\n" +
    "declared dependencies installed, and is named as its key",
  needs: "package",
  async run(state) {
    const result = outcome();
    try {
      state.host = await throwawayHost(state.dir, state.packageName!);
    } catch (error) {
      state.blocked = "the package could not be installed";
      result.problems.push({
        message: `cannot install the package as npm pack publishes it: ${messageOf(error)}`,
        fix: "make `npm pack` work in the package folder",
      });
      return result;
    }
    const found = await state.host.discover();
    for (const key of state.keys) {
      const plugin = found.plugins.find((p) => p.name === key)?.plugin;
      if (plugin) state.loaded.set(key, plugin);
      const failure = found.failed.find((f) => f.plugin === key || f.plugin === undefined);
      if (!plugin && failure)
        result.problems.push({
          message: `[${failure.error.code}] ${failure.error.message}`,
          fix: discoveryFix(failure.error.code, failure.error.message),
        });
      else if (!plugin) {
        const skipped = found.skipped.map((x) => x.reason).join("; ") || "not found";
        result.problems.push({
          message: `"${key}" was not discovered: ${skipped}`,
          fix: "check the package name and the cortex.plugins field",
        });
      }
    }
    result.summary = `${state.loaded.size} of ${state.keys.length} plugin(s) load from what npm pack publishes, with only the declared dependencies, the way discovery does`;
    return result;
  },
};

/** Each plugin registers in a real `PluginRegistry` (every schema compiles). */
const register: PluginCheck = {
  name: "register",
  verifies: "each plugin registers in a PluginRegistry (every action schema compiles, every example passes it)",
  needs: "package",
  async run(state) {
    const result = outcome();
    for (const [key, plugin] of state.loaded) {
      const registry = new PluginRegistry({ broker: new MemoryBroker(), logger: silentLogger, checkExamples: true });
      try {
        registry.register(plugin);
        const actions = registry.listActions();
        state.registered.set(key, exampleParams(actions));
        state.declared.set(key, registry.credentials(key));
        result.notes.push(`"${key}": ${actions.map((a) => `${a.name} (${a.tier})`).join(", ")}`);
      } catch (error) {
        const code = isCortexError(error) ? error.code : "error";
        result.problems.push({
          message: `"${key}" [${code}]: ${messageOf(error)}`,
          fix:
            code === "CORTEX_INVALID_SCHEMA"
              ? "fix that action's `parameters` (or `input`) so it is a JSON Schema ajv compiles"
              : code === "CORTEX_INVALID_EXAMPLE"
                ? "fix the example (or the schema): every example must pass the action's own schema"
                : "fix what the message names",
        });
      } finally {
        await registry.shutdown();
      }
    }
    result.summary = `${state.registered.size} of ${state.loaded.size} plugin(s) register in a PluginRegistry; every action schema compiles`;
    return result;
  },
};

/** Each plugin declares its credentials, and every required one is given. */
const credentials: PluginCheck = {
  name: "credentials",
  verifies:
    "each plugin declares the credentials it reads (so cortex --help and cortex plugins list\n" +
    "them), and every required one is given (--credentials or its environment variable)",
  needs: "package",
  run(state) {
    const result = outcome();
    let listed = 0;
    for (const [key, declared] of state.declared) {
      if (declared === undefined) {
        result.notes.push(
          `warning: "${key}" declares no credentials: cortex --help and cortex plugins cannot tell users what to set (add \`credentials\` to the plugin)`,
        );
        continue;
      }
      for (const c of declared) {
        listed++;
        const given = state.credentials?.[c.key] ?? state.env[c.variable] ?? state.env[credentialVariable(c.key)];
        const marks = [c.required ? "required" : "optional", c.secret ? "secret" : "setting"].join(", ");
        result.notes.push(
          `"${key}": ${c.key} (${c.variable}; ${marks}) ${given ? "is given" : "is not given"}: ${c.description}`,
        );
        if (c.required && !given) {
          result.problems.push({
            message: `"${key}" needs credential "${c.key}", which is not given`,
            fix: `set ${c.variable}, or pass --credentials <file.json> with "${c.key}"`,
          });
        }
      }
    }
    result.summary = `${listed} declared credential(s), every required one given`;
    return Promise.resolve(result);
  },
};

/** Each plugin passes the `@cortex/testing` contract suite. */
const contract: PluginCheck = {
  name: "contract",
  verifies: "each plugin passes the @cortex/testing contract suite",
  needs: "package",
  async run(state) {
    // The only command that needs the test kit loads it here, so no other command does.
    const { checkPluginContract } = await import("@cortex/testing");
    const result = outcome();
    const broker = new EnvBroker({ env: state.env });
    const host = state.host!;
    for (const [key, validParams] of state.registered) {
      const options = { ...(state.credentials ? { credentials: { ...state.credentials } } : {}), broker, validParams };
      const report = await checkPluginContract(() => host.fresh(key), options);
      const setupFailed = report.checks.some((c) => c.name === "setup" && !c.passed);
      const blocked: string[] = [];
      for (const c of report.checks) {
        // Without a working setup most checks fail with the same message: report it once.
        if (!c.passed && setupFailed && c.name !== "setup" && c.message?.startsWith("could not register and set up"))
          blocked.push(c.name);
        else if (!c.passed)
          result.problems.push({
            message: `"${key}" ${c.name}: ${c.message ?? "failed"}`,
            fix: contractFix(c.name, c.message),
          });
        else if (c.message)
          result.notes.push(`note: "${key}" ${c.name}: ${c.message}${c.message.startsWith("weak") ? WEAK_HINT : ""}`);
      }
      if (blocked.length > 0)
        result.notes.push(`"${key}": ${blocked.join(", ")} could not run without a working setup`);
    }
    result.summary = `${state.registered.size} plugin(s) pass the @cortex/testing contract suite`;
    return result;
  },
};

/** `npm pack` would publish every entry point the manifest names. */
const pack: PluginCheck = {
  name: "pack",
  verifies: "npm pack would publish every entry point of main/exports/bin/cortex.plugins",
  needs: "manifest",
  async run(state) {
    const result = outcome();
    const entries = entryPoints(state.manifest!);
    let files: Set<string>;
    try {
      files = await packedFiles(state.dir);
    } catch (error) {
      result.problems.push({ message: messageOf(error), fix: "make `npm pack --dry-run` work in the package folder" });
      return result;
    }
    const byPath = new Map<string, string[]>();
    for (const entry of entries) byPath.set(entry.path, [...(byPath.get(entry.path) ?? []), entry.field]);
    for (const [path, fields] of byPath) {
      if (files.has(path)) continue;
      const exists = await stat(join(state.dir, path)).then(
        (s) => s.isFile(),
        () => false,
      );
      const named = `${fields.join(", ")} name${fields.length === 1 ? "s" : ""} ${path}`;
      result.problems.push(
        exists
          ? {
              message: `${named}, which npm would not publish`,
              fix: `add it (e.g. "dist") to "files" in package.json, or check .npmignore`,
            }
          : { message: `${named}, which does not exist`, fix: "build the package (npm run build) or fix the path" },
      );
    }
    result.summary = `npm pack would publish all ${byPath.size} entry file(s): ${[...byPath.keys()].join(", ")}`;
    return result;
  },
};

/** Every check of `cortex check-plugin`, in the order they run (later ones use what earlier ones found). */
export const PLUGIN_CHECKS: readonly PluginCheck[] = [packageJson, load, register, credentials, contract, pack];

/** The first example of each CONFIRM/ADMIN action: its own `examples`, else its schema's. */
function exampleParams(actions: readonly RegisteredAction[]): Record<string, Record<string, unknown>> {
  const params: Record<string, Record<string, unknown>> = {};
  for (const action of actions) {
    const examples = action.examples ?? action.parameters?.examples;
    const first: unknown = Array.isArray(examples) ? examples[0] : undefined;
    if (action.tier !== "AUTO" && isPlainObject(first)) params[action.name] = first;
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
  if (check === "reachable")
    return "make executeAction dispatch every listed action name (a typo in a case label is the usual cause), or use definePlugin";
  if (check === "examples") return "fix the examples, or the action that fails on them";
  return `see the "${check}" row of @cortex/testing's contract table; run describePluginContract in your tests to reproduce`;
}
