import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { PluginNames } from "./naming.js";
import { pluginTs, testTs } from "./plugin-source.js";
import { readme } from "./readme.js";

/** Dependency ranges written into a new plugin package. */
export type TemplateVersions = Record<
  "@cortex/plugins" | "@cortex/testing" | "@types/node" | "tsup" | "typescript" | "vitest" | "zod",
  string
>;

/**
 * The `@cortex/plugins` versions a plugin built against `version` declares
 * it works with: from that version up to the next major. Under 1.0 a caret
 * range would not do: `^0.4.2` matches only `0.4.x`, so the plugin would
 * refuse every later minor release; `>=0.4.2 <1.0.0` accepts them.
 */
export function peerRange(version: string): string {
  return version.startsWith("0.") ? `>=${version} <1.0.0` : `^${version}`;
}

/** The version of an installed package, read from its package.json (both export `./package.json`). */
function installedVersion(name: string): string {
  // Read as a file rather than imported: JSON import attributes are not kept the same way by every
  // bundler step (and Node 22+ rejects the old `assert` form), while a file read works everywhere.
  const require = createRequire(import.meta.url);
  const manifest = JSON.parse(readFileSync(require.resolve(`${name}/package.json`), "utf8")) as { version: string };
  return manifest.version;
}

/**
 * Versions the generated package is known to build and test with. The
 * `@cortex/*` ranges are `^` + the versions installed with this CLI.
 */
export function templateVersions(): Promise<TemplateVersions> {
  return Promise.resolve({
    "@cortex/plugins": `^${installedVersion("@cortex/plugins")}`,
    "@cortex/testing": `^${installedVersion("@cortex/testing")}`,
    "@types/node": "^20.19.0",
    tsup: "~8.5.0",
    typescript: "~5.9.3",
    vitest: "~4.1.0",
    // 4.2 is the first zod whose schemas carry their own JSON Schema converter.
    zod: "^4.2.0",
  });
}

/** Every file of a new plugin package, by path relative to its folder. */
export function renderTemplates(names: PluginNames, versions: TemplateVersions): Record<string, string> {
  return {
    "package.json": `${JSON.stringify(packageJson(names, versions), null, 2)}\n`,
    "src/index.ts": indexTs(names),
    "src/plugin.ts": pluginTs(names),
    "test/plugin.test.ts": testTs(names),
    "tsup.config.ts": TSUP_CONFIG,
    "tsconfig.json": TSCONFIG,
    "vitest.config.ts": VITEST_CONFIG,
    ".gitignore": GITIGNORE,
    "README.md": readme(names),
  };
}

function packageJson(
  { plugin, packageName, exportName }: PluginNames,
  versions: TemplateVersions,
): Record<string, unknown> {
  const { zod, ...devDependencies } = versions;
  const scoped = packageName.startsWith("@");
  return {
    name: packageName,
    version: "0.1.0",
    description: `Cortex plugin "${plugin}"`,
    license: "MIT",
    type: "module",
    sideEffects: false,
    engines: { node: ">=20.19" },
    files: ["dist"],
    main: "./dist/index.cjs",
    module: "./dist/index.js",
    types: "./dist/index.d.cts",
    exports: {
      ".": {
        import: { types: "./dist/index.d.ts", default: "./dist/index.js" },
        require: { types: "./dist/index.d.cts", default: "./dist/index.cjs" },
      },
      "./package.json": "./package.json",
    },
    cortex: { plugins: { [plugin]: `./dist/index.js#${exportName}` } },
    ...(scoped ? { publishConfig: { access: "public" } } : {}),
    scripts: {
      build: "tsup",
      test: "vitest run",
      typecheck: "tsc --noEmit",
      prepublishOnly: "npm run build && npm test",
    },
    keywords: ["cortex", "cortex-plugin", plugin],
    dependencies: { zod },
    peerDependencies: { "@cortex/plugins": peerRange(versions["@cortex/plugins"].replace(/^\^/, "")) },
    devDependencies,
  };
}

const indexTs = ({
  exportName,
  typeName,
}: PluginNames) => `export { ${exportName}, ${typeName}Item, MAX_ITEMS_KEY } from "./plugin.js";
`;

const TSUP_CONFIG = `import { defineConfig } from "tsup";

// ESM + CommonJS + declarations for both, as package.json's "exports" promises.
export default defineConfig({
  entry: ["src/index.ts"],
  format: ["esm", "cjs"],
  dts: true,
  sourcemap: true,
  clean: true,
  target: "node20",
  platform: "node",
});
`;

const TSCONFIG = `${JSON.stringify(
  {
    compilerOptions: {
      target: "ES2022",
      lib: ["ES2023"],
      module: "NodeNext",
      moduleResolution: "NodeNext",
      types: ["node"],
      strict: true,
      noUncheckedIndexedAccess: true,
      noImplicitOverride: true,
      verbatimModuleSyntax: true,
      isolatedModules: true,
      resolveJsonModule: true,
      skipLibCheck: true,
      declaration: true,
      noEmit: true,
    },
    include: ["src", "test", "*.ts"],
  },
  null,
  2,
)}\n`;

const VITEST_CONFIG = `import { defineConfig } from "vitest/config";

export default defineConfig({
  test: { include: ["test/**/*.test.ts"] },
});
`;

const GITIGNORE = `node_modules/
dist/
coverage/
*.tgz
`;
