import { readFileSync } from "node:fs";
import { CortexError, isCortexError } from "@cortex/plugins";
import { describe, expect, it } from "vitest";
import { errorDocProblems } from "../../../test-support/error-docs.js";
import {
  FILES_ERRORS,
  FILES_ERROR_CODES,
  FileExistsError,
  FileNotFoundError,
  FilesAbortedError,
  FilesConfigError,
  FilesError,
  FilesIoError,
  FilesNotConfiguredError,
  FileTooLargeError,
  InvalidContentError,
  InvalidPathError,
  NotADirectoryError,
  NotAFileError,
  NotEmptyError,
  OutsideSandboxError,
} from "../src/index.js";
import { fromErrno } from "../src/errors.js";
import { harnessFor, makeFixture } from "./helpers.js";

const all: [FilesError, string, string][] = [
  [new FilesNotConfiguredError(), "CORTEX_FILES_NOT_CONFIGURED", "FilesNotConfiguredError"],
  [new FilesConfigError("files_root", "is bad"), "CORTEX_FILES_INVALID_CONFIG", "FilesConfigError"],
  [new InvalidPathError("p", "is bad"), "CORTEX_FILES_INVALID_PATH", "InvalidPathError"],
  [new OutsideSandboxError("p", "why"), "CORTEX_FILES_OUTSIDE_SANDBOX", "OutsideSandboxError"],
  [new FileNotFoundError("p"), "CORTEX_FILES_NOT_FOUND", "FileNotFoundError"],
  [new FileExistsError("p"), "CORTEX_FILES_EXISTS", "FileExistsError"],
  [new NotAFileError("p"), "CORTEX_FILES_NOT_A_FILE", "NotAFileError"],
  [new NotADirectoryError("p"), "CORTEX_FILES_NOT_A_DIRECTORY", "NotADirectoryError"],
  [new NotEmptyError("p"), "CORTEX_FILES_NOT_EMPTY", "NotEmptyError"],
  [new FileTooLargeError("p", 2, 1, "files_max_read_bytes"), "CORTEX_FILES_TOO_LARGE", "FileTooLargeError"],
  [new InvalidContentError("is bad"), "CORTEX_FILES_INVALID_CONTENT", "InvalidContentError"],
  [new FilesAbortedError(), "CORTEX_FILES_ABORTED", "FilesAbortedError"],
  [new FilesIoError("p", "EIO", new Error("x")), "CORTEX_FILES_IO_ERROR", "FilesIoError"],
];

describe("error classes", () => {
  it("one class per code, each with its name, all codes covered", () => {
    for (const [error, code, name] of all) {
      expect(error.code).toBe(code);
      expect(error.name).toBe(name);
      expect(FILES_ERRORS[code as keyof typeof FILES_ERRORS]).toBe(name);
      expect(error).toBeInstanceOf(FilesError);
    }
    expect(new Set(all.map(([, code]) => code))).toEqual(new Set(Object.keys(FILES_ERRORS)));
    expect(FILES_ERROR_CODES).toEqual(Object.keys(FILES_ERRORS));
  });

  it("are branded Cortex errors, recognised by @cortex/plugins", () => {
    const error = new OutsideSandboxError("../x", "climbs");
    expect(isCortexError(error)).toBe(true);
    expect(error instanceof CortexError).toBe(true);
  });

  it("keep the cause and name the path", () => {
    const cause = new Error("root cause");
    const error = new FilesIoError("a/b.txt", "EACCES", cause);
    expect(error.cause).toBe(cause);
    expect(error.message).toContain('"a/b.txt"');
    expect(error.message).toContain("EACCES");
  });

  it("map Node errno codes, and leave other errors alone", () => {
    const errno = (code: string) => Object.assign(new Error(code), { code });
    expect(fromErrno(errno("ENOENT"), "p")?.code).toBe("CORTEX_FILES_NOT_FOUND");
    expect(fromErrno(errno("EEXIST"), "p")?.code).toBe("CORTEX_FILES_EXISTS");
    expect(fromErrno(errno("EISDIR"), "p")?.code).toBe("CORTEX_FILES_NOT_A_FILE");
    expect(fromErrno(errno("ENOTDIR"), "p")?.code).toBe("CORTEX_FILES_NOT_A_DIRECTORY");
    expect(fromErrno(errno("ENOTEMPTY"), "p")?.code).toBe("CORTEX_FILES_NOT_EMPTY");
    expect(fromErrno(errno("ELOOP"), "p")?.code).toBe("CORTEX_FILES_INVALID_PATH");
    expect(fromErrno(errno("EACCES"), "p")?.code).toBe("CORTEX_FILES_IO_ERROR");
    expect(fromErrno(new TypeError("bug"), "p")).toBeUndefined();
    expect(fromErrno(Object.assign(new Error("x"), { code: "CORTEX_OTHER" }), "p")).toBeUndefined();
  });
});

describe("docs/errors.md", () => {
  it("documents every code of FILES_ERRORS, with its class, and no other", () => {
    expect(errorDocProblems("@cortex/plugin-files", FILES_ERRORS)).toEqual([]);
  });

  const doc = readFileSync(new URL("../../../docs/errors.md", import.meta.url), "utf8");
  const start = doc.indexOf("## @cortex/plugin-files");
  const rest = doc.slice(start + 1);
  const next = rest.indexOf("\n## ");
  const section = next === -1 ? rest : rest.slice(0, next);

  it.each(Object.keys(FILES_ERRORS))("gives %s a cause and a remedy", (code) => {
    const row = section.split("\n").find((line) => line.startsWith(`| \`${code}\` |`));
    expect(row, `${code} is missing from docs/errors.md`).toBeDefined();
    expect(row!.split("|").filter((c) => c.trim() !== "")).toHaveLength(4);
  });
});

describe("messages", () => {
  it("never include the root's absolute path, even for a file-system error", async () => {
    const fx = makeFixture();
    const h = await harnessFor(fx.root);
    const r = await h.execute("read", { path: "x".repeat(300) });
    expect(r).toMatchObject({ success: false, code: "CORTEX_FILES_IO_ERROR" });
    expect(r.error).toContain("ENAMETOOLONG");
    expect(r.error).not.toContain(fx.base);
    await h.teardown();
    fx.cleanup();
  });
});
