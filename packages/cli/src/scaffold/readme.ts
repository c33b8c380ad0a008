import type { PluginNames } from "./naming.js";

/** The generated package's README: use, tiers, credentials, development and publishing. */
export function readme({ plugin, packageName, exportName, keyPrefix }: PluginNames): string {
  const env = `CORTEX_${keyPrefix.toUpperCase()}_MAX_ITEMS`;
  return `# ${packageName}

A [Cortex](https://github.com/cortex-runtime/cortex) plugin named \`${plugin}\`.
It starts as the example \`cortex create-plugin\` generates: items an agent
can search and add to. Replace the items with your own service and keep the
shape: \`definePlugin\`, one zod schema per action, a preview for each action
that changes something.

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
await registry.execute("${plugin}", "list_items", { tag: "home" });
\`\`\`

Or from a terminal in the host app: \`npx @cortex/cli plugins\`.

## Actions and tiers

| action | tier | what it does |
|---|---|---|
| \`list_items\` | AUTO | lists items, newest first; \`tag\`, \`query\`, \`limit\` narrow the list |
| \`add_item\` | CONFIRM | adds \`{ title, body, tags? }\`; previews as \`add "<title>"\` |

The registry enforces tiers, not the plugin: AUTO actions run; CONFIRM
actions run only with an approval of that exact call (same parameters);
ADMIN actions also need a principal with the \`admin\` role. Parameters are
checked against the JSON Schema derived from each action's \`input\` before
\`run\` is called, and \`run\` receives them typed.

## Credentials and settings

Declared in \`credentials\`: \`cortex plugins\` and \`cortex --help\` list them
with their environment variables, the registry checks required ones before
\`setup\` and hands the plugin only these keys.

| key | environment variable | meaning |
|---|---|---|
| \`${keyPrefix}_max_items\` | \`${env}\` | optional: most items kept (default 100) |

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
   does, compiles its schemas, checks its credentials and examples, runs the
   contract and checks that \`npm pack\` would ship every entry point.
4. \`npm publish\`${packageName.startsWith("@") ? " (`publishConfig.access` is already public)" : ""}.

\`@cortex/plugins\` is a peer dependency: the host app's copy is the one the
registry uses. The range accepts every later 0.x release (a \`^0.x\` range
would accept only patches of one minor); narrow it if a release breaks you.
The plugin is exported as the factory \`${exportName}\` for apps that
register it by hand: \`registry.register(${exportName}())\`.
`;
}
