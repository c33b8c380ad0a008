import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { createPluginHarness, type PluginHarness, type PluginHarnessOptions } from "@cortex/testing";
import { FilesPlugin, type FilesPluginOptions } from "../src/index.js";

/** A temp folder holding `root` (the sandbox) and `outside` (a sibling the sandbox must never reach). */
export interface Fixture {
  readonly base: string;
  readonly root: string;
  readonly outside: string;
  /** Writes files (path relative to root → content), creating folders. */
  write(files: Record<string, string | Buffer>, under?: string): void;
  cleanup(): void;
}

export function makeFixture(): Fixture {
  const base = realpathSync(mkdtempSync(join(tmpdir(), "cortex-files-")));
  const root = join(base, "root");
  const outside = join(base, "outside");
  mkdirSync(root);
  mkdirSync(outside);
  writeFileSync(join(outside, "secret.txt"), "top secret");
  return {
    base,
    root,
    outside,
    write(files, under = root) {
      for (const [path, content] of Object.entries(files)) {
        const file = join(under, path);
        mkdirSync(dirname(file), { recursive: true });
        writeFileSync(file, content);
      }
    },
    cleanup: () => rmSync(base, { recursive: true, force: true }),
  };
}

/** A harness around a fresh `FilesPlugin` sandboxed in `root`. */
export function harnessFor(
  root: string,
  credentials: Record<string, string> = {},
  options: FilesPluginOptions = {},
  harnessOptions: PluginHarnessOptions = {},
): Promise<PluginHarness<FilesPlugin>> {
  return createPluginHarness(() => new FilesPlugin(options), {
    ...harnessOptions,
    credentials: { files_root: root, ...credentials },
  });
}
