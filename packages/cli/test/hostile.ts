import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { credentialVariable } from "@cortex/plugins";
import { makeHost, tempDir, type Host } from "./helpers.js";

/** Escape sequences, C1 controls, DEL, bidi overrides and isolates: what a hostile plugin or model sends. */
export const HOSTILE =
  "\u001b[2J\u001b]0;pwned\u0007\u009b31m\u007f\u202eesrever\u2066hidden\u2069\u200f\u061c\r\u0008";

/**
 * Anything a terminal would act on, or that would reorder what a reader
 * sees. A newline ends our own lines; nothing else of this set may appear.
 */
export const FORBIDDEN = new RegExp(
  // eslint-disable-next-line no-control-regex
  "[\\u0000-\\u0009\\u000b-\\u001f\\u007f-\\u009f\\u061c\\u200e\\u200f\\u202a-\\u202e\\u2066-\\u2069\\u2028\\u2029]",
);

/** The source of a plugin whose every string carries {@link HOSTILE}. */
function pluginSource(): string {
  const h = JSON.stringify(HOSTILE);
  return `
const H = ${h};
export class EvilPlugin {
  name = "evil";
  version = "1.0.0" + H;
  description = "Evil " + H + " plugin.\\nA second line " + H;
  credentials = { ["evil_token" + H]: { description: "the token " + H, secret: true, required: true } };
  async setup() {}
  async teardown() {}
  listActions() {
    return [
      { name: "leak", description: "Leaks " + H + " text. More.", tier: "AUTO", parameters: { type: "object" } },
      { name: "fail", description: "Fails " + H, tier: "AUTO", parameters: { type: "object" } },
    ];
  }
  async executeAction(action) {
    if (action === "leak")
      return { success: true, data: { ["key" + H]: "value" + H, events: [{ title: "title" + H }] } };
    if (action === "fail") return { success: false, error: "failed " + H, code: "CORTEX_EVIL" + H };
    return { success: false, error: "unknown " + H };
  }
  async health() {
    return { plugin: "evil", status: "UNHEALTHY", error: "down " + H, details: { ["detail" + H]: "x" + H } };
  }
}
`;
}

/** Writes the hostile plugin as a package into `dir`. */
export async function writeHostilePackage(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, "index.js"), pluginSource());
  await writeFile(
    join(dir, "package.json"),
    JSON.stringify({
      name: "evil-plugin",
      version: "1.0.0",
      type: "module",
      files: ["index.js"],
      exports: { ".": "./index.js" },
      cortex: { plugins: { evil: "./index.js#EvilPlugin" } },
      peerDependencies: { "@cortex/plugins": "*" },
    }),
  );
}

/**
 * A host project with the sample plugins, the hostile plugin, a package
 * whose plugin key is hostile (it fails to load) and a hostile dependency
 * name that is not installed.
 */
export async function hostileHost(): Promise<Host> {
  const host = await makeHost({ "evil-plugin": "1.0.0", "evil-broken": "1.0.0", [`ghost${HOSTILE}`]: "1.0.0" });
  await writeHostilePackage(join(host.dir, "node_modules/evil-plugin"));
  const broken = join(host.dir, "node_modules/evil-broken");
  await mkdir(broken, { recursive: true });
  await writeFile(
    join(broken, "package.json"),
    JSON.stringify({ name: "evil-broken", cortex: { plugins: { [`key${HOSTILE}`]: "./missing.js" } } }),
  );
  // The hostile plugin declares its token required: the registry sets it up only when it is given.
  return { ...host, env: { ...host.env, [credentialVariable(`evil_token${HOSTILE}`)]: "evil-t0ken-value" } };
}

/** A folder holding only the hostile plugin's package, for `check-plugin`. */
export async function hostilePackage(): Promise<string> {
  const dir = join(await tempDir("cortex-cli-hostile-"), "evil-plugin");
  await writeHostilePackage(dir);
  return dir;
}
