import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const read = (path: string) => readFileSync(fileURLToPath(new URL(path, import.meta.url)), "utf8");

describe("README", () => {
  it("shows exactly the code of test/readme-example.test.ts after its marker", () => {
    const block = /<!-- readme-example -->\s*```ts\n([\s\S]*?)```/.exec(read("../README.md"))?.[1];
    expect(block, "README.md has no ```ts block after <!-- readme-example -->").toBeDefined();
    expect(block).toBe(read("./readme-example.test.ts"));
  });
});
