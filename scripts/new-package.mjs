#!/usr/bin/env node
// Copies templates/package into packages/<name> (or plugins/<name> with
// --plugin) and fills in the package name, description and directory.
import { cpSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const args = process.argv.slice(2);
const plugin = args.includes("--plugin");
const [name, ...rest] = args.filter((a) => a !== "--plugin");
if (!name || !/^[a-z][a-z0-9-]*$/.test(name)) {
  console.error(
    "usage: node scripts/new-package.mjs <name> [description] [--plugin]\n  <name>: lowercase letters, digits and dashes",
  );
  process.exit(2);
}
const root = new URL("..", import.meta.url).pathname;
const directory = join(plugin ? "plugins" : "packages", name);
const target = join(root, directory);
if (existsSync(target)) {
  console.error(`${directory} exists already`);
  process.exit(1);
}
cpSync(join(root, "templates/package"), target, { recursive: true });
const fill = (dir) => {
  for (const entry of readdirSync(dir)) {
    const file = join(dir, entry);
    if (statSync(file).isDirectory()) fill(file);
    else
      writeFileSync(
        file,
        readFileSync(file, "utf8")
          .replaceAll("@cortex/NAME", plugin ? `@cortex/plugin-${name}` : `@cortex/${name}`)
          .replaceAll("DESCRIPTION", rest.join(" ") || `Cortex ${name}`)
          .replaceAll("DIRECTORY", directory),
      );
  }
};
fill(target);
console.log(`created ${directory}; run pnpm install next`);
