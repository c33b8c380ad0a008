import type { Plugin, PluginCredentialInfo } from "@cortex/plugins";
import type { ThrowawayHost } from "./host.js";

/** One problem a check found, with what to do about it. */
export interface Problem {
  message: string;
  fix: string;
}

/** What one check found: passed when it has no problems; `skipped` says why it could not run. */
export interface CheckOutcome {
  summary: string;
  problems: Problem[];
  /** Lines worth reading on a pass: a weak contract check, a missing peer dependency. */
  notes: string[];
  skipped?: string;
}

/** What the checks of one `check-plugin` run share: the package, its options, and what earlier checks found. */
export interface CheckState {
  /** The package's folder. */
  readonly dir: string;
  /** Its package.json, when it could be read as an object. */
  readonly manifest: Record<string, unknown> | undefined;
  /** Why package.json could not be read. */
  readonly manifestError: string | undefined;
  /** Credentials from `--credentials`, tried before the environment. */
  readonly credentials: Readonly<Record<string, string>> | undefined;
  /** The environment, for `CORTEX_*` credentials. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The package name and the `cortex.plugins` keys, once package.json passed. */
  packageName?: string;
  keys: string[];
  /** Why the checks that need the installed package cannot run, once one of them failed to set it up. */
  blocked?: string;
  /** The package installed as users get it, once the load check made it. */
  host?: ThrowawayHost;
  /** Each plugin that loaded, by key. */
  readonly loaded: Map<string, Plugin>;
  /** Each plugin that registered, by key, with valid params (from schema examples) of its CONFIRM/ADMIN actions. */
  readonly registered: Map<string, Record<string, Record<string, unknown>>>;
  /** Each plugin that registered, by key, with the credentials it declares (`undefined`: none). */
  readonly declared: Map<string, PluginCredentialInfo[] | undefined>;
}

/**
 * One check of `cortex check-plugin`, like a contract check: a name, what
 * it verifies (for the help), and the check itself, which reports what it
 * found and never throws for the package's fault.
 */
export interface PluginCheck {
  readonly name: string;
  readonly verifies: string;
  /** What must have passed for this check to run: a readable package.json, or the package installed. */
  readonly needs?: "manifest" | "package";
  run(state: CheckState): Promise<CheckOutcome>;
}

/** An outcome with a summary, and problems or notes added as the check goes. */
export function outcome(summary = ""): CheckOutcome {
  return { summary, problems: [], notes: [] };
}
