import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterEach, describe, expect, it, vi } from "vitest";

afterEach(() => {
  vi.restoreAllMocks();
});

describe("README", () => {
  it("runs its example and prints what it promises", async () => {
    const readme = readFileSync(fileURLToPath(new URL("../README.md", import.meta.url)), "utf8");
    const example = /## Example\s+```ts\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(example).toBeDefined();
    const entry = pathToFileURL(fileURLToPath(new URL("../src/index.ts", import.meta.url))).href;
    const dir = mkdtempSync(join(tmpdir(), "cortex-hooks-readme-"));
    const file = join(dir, "example.ts");
    writeFileSync(file, example!.replace('"@cortex/hooks"', JSON.stringify(entry)));
    const logs: unknown[][] = [];
    vi.spyOn(console, "log").mockImplementation((...args: unknown[]) => void logs.push(args));
    try {
      await import(/* @vite-ignore */ pathToFileURL(file).href);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(logs).toEqual([
      ["run run-1 started"],
      ["run run-2 failed: Error: model timeout"],
      [42, { settled: 1, timedOut: [] }],
    ]);
  });
});
