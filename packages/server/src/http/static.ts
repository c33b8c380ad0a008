import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { extname, join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";

/** One file of the web page, held in memory. */
export interface WebFile {
  body: Buffer;
  type: string;
}

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
};

/** The package's `web/` folder: beside `dist/` when installed, beside `src/` in the repository. */
export function webRoot(): string {
  const here = fileURLToPath(new URL(".", import.meta.url));
  for (const up of ["../web", "../../web"]) {
    const candidate = join(here, up);
    if (existsSync(join(candidate, "index.html"))) return candidate;
  }
  throw new Error(`@cortex/server: its web/ folder is missing (looked beside ${here})`);
}

async function walk(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const files = await Promise.all(
    entries.map((entry) =>
      entry.isDirectory() ? walk(join(dir, entry.name)) : Promise.resolve([join(dir, entry.name)]),
    ),
  );
  return files.flat();
}

/** Every file of the web page by URL path (`/index.html`, `/js/app.js`…), read once at start. */
export async function loadWebFiles(root = webRoot()): Promise<Map<string, WebFile>> {
  const files = new Map<string, WebFile>();
  for (const file of await walk(root)) {
    const type = TYPES[extname(file)];
    if (type === undefined) continue;
    files.set(`/${relative(root, file).split(sep).join("/")}`, { body: await readFile(file), type });
  }
  return files;
}
