import { mkdir, readdir, stat, writeFile } from "node:fs/promises";
import { dirname, isAbsolute, join, relative, resolve } from "node:path";
import { stringFlag, type Command } from "../command.js";
import { CommandFailedError, EXIT_OK } from "../errors.js";
import { withHint } from "../hints.js";
import { pluginNames } from "../scaffold/naming.js";
import { renderTemplates, templateVersions } from "../scaffold/templates.js";
import { text } from "../printer.js";

/**
 * `cortex create-plugin <dir>`: writes a ready-to-publish plugin package
 * (a typed plugin, tests with `@cortex/testing`, tsup/tsconfig/vitest configs,
 * README) into `dir`. Exit status 0 when written, 1 when the folder is not
 * empty or cannot be written, 2 for an invalid name.
 */
export const createPluginCommand: Command = {
  name: "create-plugin",
  summary: "Create a ready-to-publish plugin package in a new folder",
  usage: "create-plugin <dir> [--name <plugin-name>] [--package <npm-name>]",
  details: [
    "Writes package.json (with the cortex.plugins field), a typed plugin (definePlugin with zod schemas)",
    "keeping items with an AUTO and a CONFIRM action, a preview and examples, tests using @cortex/testing,",
    "tsup/tsconfig/vitest configs, .gitignore and a README.",
    "The plugin name defaults to the folder name without a leading cortex-plugin-; the package name",
    "to the folder name if it starts with cortex-plugin-, else cortex-plugin-<name>.",
    "Never overwrites: <dir> must not exist or be empty.",
  ].join("\n"),
  options: {
    name: {
      type: "string",
      value: "<plugin-name>",
      description: "plugin name (lower case, letters, digits, - and _; no __)",
    },
    package: { type: "string", value: "<npm-name>", description: "npm package name, e.g. @acme/cortex-notes" },
  },
  args: { min: 1, max: 1 },
  async run(ctx) {
    const dir = resolve(ctx.io.cwd, ctx.positionals[0]!);
    const names = pluginNames(dir, stringFlag(ctx, "name"), stringFlag(ctx, "package"));
    await ensureEmpty(dir);
    const files = renderTemplates(names, await templateVersions());
    try {
      for (const [path, content] of Object.entries(files)) {
        const file = join(dir, path);
        await mkdir(dirname(file), { recursive: true });
        await writeFile(file, content, { flag: "wx" });
      }
    } catch (error) {
      throw new CommandFailedError(
        "CORTEX_SCAFFOLD_WRITE_FAILED",
        `cannot write into ${dir}: ${(error as Error).message}`,
        { cause: error },
      );
    }
    const rel = relative(ctx.io.cwd, dir);
    const shown = rel === "" ? "." : rel.startsWith("..") || isAbsolute(rel) ? dir : rel;
    const p = ctx.out;
    p.line(text`Created ${names.packageName} (plugin "${names.plugin}", factory ${names.exportName}) in ${shown}:`);
    for (const file of Object.keys(files)) p.line(text`  ${file}`);
    p.line();
    p.line(text`Next:`);
    p.line(text`  cd ${shown}`);
    p.line(text`  npm install`);
    p.line(text`  npm test`);
    p.line(text`  npm run build`);
    p.line(text`  npx @cortex/cli check-plugin   # before npm publish`);
    return EXIT_OK;
  },
};

async function ensureEmpty(dir: string): Promise<void> {
  const info = await stat(dir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return undefined;
    throw new CommandFailedError("CORTEX_SCAFFOLD_WRITE_FAILED", `cannot read ${dir}: ${error.message}`, {
      cause: error,
    });
  });
  if (info === undefined) return;
  if (!info.isDirectory()) {
    throw withHint(
      new CommandFailedError("CORTEX_SCAFFOLD_TARGET_NOT_EMPTY", `${dir} exists and is not a folder`),
      "choose a new folder name",
    );
  }
  const entries = await readdir(dir);
  if (entries.length > 0) {
    throw withHint(
      new CommandFailedError(
        "CORTEX_SCAFFOLD_TARGET_NOT_EMPTY",
        `${dir} is not empty (${entries.length} entr${entries.length === 1 ? "y" : "ies"}, e.g. ${entries.slice(0, 3).join(", ")}); nothing was written`,
      ),
      "create-plugin never overwrites files: choose a new or empty folder",
    );
  }
}
