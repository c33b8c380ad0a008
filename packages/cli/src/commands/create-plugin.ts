import { mkdir, readdir, stat, writeFile } from "node:fs/promises";
import { dirname, isAbsolute, join, relative, resolve } from "node:path";
import type { Command } from "../command.js";
import { ScaffoldError, reportError, type CommandIO } from "../scaffold/errors.js";
import { pluginNames } from "../scaffold/naming.js";
import { renderTemplates, templateVersions } from "../scaffold/templates.js";

/** Arguments of {@link createPlugin}. */
export interface CreatePluginArgs {
  /** Folder to create the package in (resolved against the current folder); must not exist or be empty. */
  dir: string;
  /** Plugin name; default: the folder name without a leading `cortex-plugin-`. */
  name?: string;
  /** npm package name; default: the folder name if it starts with `cortex-plugin-`, else `cortex-plugin-<name>`. */
  packageName?: string;
}

/**
 * `cortex create-plugin <dir>`: writes a ready-to-publish plugin package
 * (plugin class, tests with `@cortex/testing`, tsup/tsconfig/vitest configs,
 * README) into `dir`. Resolves to the exit status: 0 written, 1 the folder
 * is not empty or cannot be written, 2 an invalid name.
 */
export async function createPlugin(args: CreatePluginArgs, io: CommandIO): Promise<number> {
  try {
    const dir = resolve(args.dir);
    const names = pluginNames(dir, args.name, args.packageName);
    await ensureEmpty(dir);
    const files = renderTemplates(names, await templateVersions());
    try {
      for (const [path, content] of Object.entries(files)) {
        const file = join(dir, path);
        await mkdir(dirname(file), { recursive: true });
        await writeFile(file, content, { flag: "wx" });
      }
    } catch (error) {
      throw new ScaffoldError("CORTEX_SCAFFOLD_WRITE_FAILED", `cannot write into ${dir}: ${(error as Error).message}`, {
        cause: error,
      });
    }
    const rel = relative(process.cwd(), dir);
    const shown = rel === "" ? "." : rel.startsWith("..") || isAbsolute(rel) ? dir : rel;
    io.stdout(
      [
        `Created ${names.packageName} (plugin "${names.plugin}", class ${names.className}) in ${shown}:`,
        ...Object.keys(files).map((f) => `  ${f}`),
        "",
        "Next:",
        `  cd ${shown}`,
        "  npm install",
        "  npm test",
        "  npm run build",
        "  npx @cortex/cli check-plugin   # before npm publish",
        "",
      ].join("\n"),
    );
    return 0;
  } catch (error) {
    return reportError(io, error);
  }
}

async function ensureEmpty(dir: string): Promise<void> {
  const info = await stat(dir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return undefined;
    throw new ScaffoldError("CORTEX_SCAFFOLD_WRITE_FAILED", `cannot read ${dir}: ${error.message}`, { cause: error });
  });
  if (info === undefined) return;
  if (!info.isDirectory()) {
    throw new ScaffoldError("CORTEX_SCAFFOLD_TARGET_NOT_EMPTY", `${dir} exists and is not a folder`, {
      hint: "choose a new folder name",
    });
  }
  const entries = await readdir(dir);
  if (entries.length > 0) {
    throw new ScaffoldError(
      "CORTEX_SCAFFOLD_TARGET_NOT_EMPTY",
      `${dir} is not empty (${entries.length} entr${entries.length === 1 ? "y" : "ies"}, e.g. ${entries.slice(0, 3).join(", ")}); nothing was written`,
      { hint: "create-plugin never overwrites files: choose a new or empty folder" },
    );
  }
}

/** Adapts a command's output printers to {@link CommandIO}. */
export function commandIO(ctx: Parameters<Command["run"]>[0]): CommandIO {
  return { stdout: (s) => void ctx.io.stdout.write(s), stderr: (s) => void ctx.io.stderr.write(s), env: ctx.io.env };
}

/** `cortex create-plugin`, in the shape `main.ts` lists commands. */
export const createPluginCommand: Command = {
  name: "create-plugin",
  summary: "Create a ready-to-publish plugin package in a new folder",
  usage: "create-plugin <dir> [--name <plugin-name>] [--package <npm-name>]",
  details: [
    "Writes package.json (with the cortex.plugins field), a plugin class with an AUTO and a CONFIRM",
    "action, tests using @cortex/testing, tsup/tsconfig/vitest configs, .gitignore and a README.",
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
  run(ctx) {
    const name = typeof ctx.flags.name === "string" ? ctx.flags.name : undefined;
    const packageName = typeof ctx.flags.package === "string" ? ctx.flags.package : undefined;
    return createPlugin(
      {
        dir: resolve(ctx.io.cwd, ctx.positionals[0]!),
        ...(name === undefined ? {} : { name }),
        ...(packageName === undefined ? {} : { packageName }),
      },
      commandIO(ctx),
    );
  },
};
