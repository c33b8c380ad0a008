const HINT = Symbol("cortex.cli.hint");

/** Attaches a hint for the user to an error (printed under its `error [CODE]` line); returns the error. */
export function withHint<E>(error: E, hint: string): E {
  if (typeof error === "object" && error !== null && Object.isExtensible(error)) {
    Object.defineProperty(error, HINT, { value: hint, configurable: true });
  }
  return error;
}

/** The hint attached by {@link withHint}, if any. */
export function hintOf(error: unknown): string | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const hint = (error as Record<symbol, unknown>)[HINT];
  return typeof hint === "string" ? hint : undefined;
}

/** What to tell the user for well-known Cortex codes. */
export function hintForCode(code: string): string | undefined {
  switch (code) {
    case "CORTEX_APPROVAL_REQUIRED":
      return "nobody can be asked without a terminal; rerun with --yes to approve this exact call";
    case "CORTEX_FORBIDDEN":
      return "ADMIN actions need --admin (or --principal <id>)";
    case "CORTEX_PLUGIN_NOT_FOUND":
    case "CORTEX_ACTION_NOT_FOUND":
      return "`npx @cortex/cli plugins` lists the installed plugins and their actions";
    case "CORTEX_CREDENTIAL_MISSING":
    case "CORTEX_PLUGIN_NOT_READY":
      return "credentials come from environment variables; `npx @cortex/cli --help` lists them";
    case "CORTEX_DISCOVERY_FAILED":
      return "run cortex in a folder whose package.json lists the plugin packages as dependencies";
    default:
      return undefined;
  }
}
