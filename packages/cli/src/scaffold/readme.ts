import type { PluginNames } from "./naming.js";

/** The generated package's README: use, tiers, credentials, development and publishing. */
export function readme({ plugin, packageName, className, keyPrefix }: PluginNames): string {
  const env = `CORTEX_${keyPrefix.toUpperCase()}_MAX_NOTES`;
  return `# ${packageName}

A [Cortex](https://github.com/cortex-runtime/cortex) plugin named \`${plugin}\`:
a notebook an agent can search and add to. It starts as the example that
\`cortex create-plugin\` generates — replace the notebook with your own
service and keep the shape.

\`\`\`sh
npm install ${packageName} @cortex/plugins
\`\`\`

## Use

Cortex finds the plugin through the \`cortex.plugins\` field of this
package's package.json; the host app only has to depend on the package:

\`\`\`ts
import { EnvBroker, PluginRegistry } from "@cortex/plugins";

const registry = new PluginRegistry({ broker: new EnvBroker() });
await registry.discoverAndRegister(); // reads the host's package.json dependencies
await registry.execute("${plugin}", "list_notes", { tag: "home" });
\`\`\`

Or from a terminal in the host app: \`npx @cortex/cli plugins\`.

## Actions and tiers

| action | tier | what it does |
|---|---|---|
| \`list_notes\` | AUTO | lists notes, newest first; \`tag\`, \`query\`, \`limit\` narrow the list |
| \`add_note\` | CONFIRM | adds \`{ title, body, tags? }\` |

The registry enforces tiers, not the plugin: AUTO actions run; CONFIRM
actions run only with an approval of that exact call (same parameters);
ADMIN actions also need a principal with the \`admin\` role. Give an action
the lowest tier that is still safe: reading is AUTO, changing things the
user cares about is CONFIRM, destroying things or acting for others is
ADMIN. Parameters are checked against each action's JSON Schema before the
plugin runs, so \`executeAction\` can trust them.

## Credentials and settings

\`setup(broker)\` is the only place a plugin gets secrets and settings:
\`broker.get(key)\` resolves a string or rejects with
\`CORTEX_CREDENTIAL_MISSING\`. The host app chooses the broker; with
\`EnvBroker\` a key maps to \`CORTEX_\` + the key in upper case. Settings
that are not secret are read with \`broker.get(key, { secret: false })\`, so
the registry does not redact them from error text.

| key | environment variable | meaning |
|---|---|---|
| \`${keyPrefix}_max_notes\` | \`${env}\` | optional: most notes kept (default 100) |

Prefix your keys with the plugin name, read them all in \`setup\`, and fail
setup with a clear message when a required one is wrong. Never log or
return a credential: the registry redacts values it handed out from its
own errors and logs, not from your results.

## Develop

\`\`\`sh
npm install
npm test            # harness tests and the Cortex plugin contract
npm run typecheck
npm run build       # dist/: ESM + CommonJS + types
\`\`\`

Tests use \`@cortex/testing\`: \`usePluginHarness\` runs the plugin through a
real \`PluginRegistry\` (validation, tiers, approvals as in production) and
\`describePluginContract\` runs the checks every plugin must pass.

## Publish

1. Bump \`version\` in package.json (the plugin reports it as its \`version\`).
2. \`npm run build && npm test\`.
3. \`npx @cortex/cli check-plugin\` — loads the built plugin the way discovery
   does, compiles its schemas, runs the contract and checks that
   \`npm pack\` would ship every entry point. Pass settings the plugin needs
   with \`--credentials creds.json\` or \`CORTEX_*\` environment variables.
4. \`npm publish\`${packageName.startsWith("@") ? " (`publishConfig.access` is already public)" : ""}.

\`@cortex/plugins\` is a peer dependency: the host app's copy is the one
the registry uses, so widen the peer range only to versions you have tested.
The plugin is exported as \`${className}\` for apps that register it by hand:
\`registry.register(new ${className}())\`.
`;
}
