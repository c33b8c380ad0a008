import { readdir } from "node:fs/promises";
import type { ActionPreview } from "@cortex/plugins";
import { createTwoFilesPatch } from "diff";
import { FILES_DEFAULTS } from "../config.js";
import { FileTooLargeError, fsCall } from "../errors.js";
import type { DeleteParams, MoveParams, WriteParams } from "../schemas.js";
import { entryType, using, type ActionEnv } from "./common.js";
import { readLimited } from "./read.js";
import { decode } from "./write.js";

// What `write`, `move` and `delete` would do, read without changing anything:
// shown to whoever approves the call.

/** Text a diff can show: valid UTF-8 without NUL bytes. */
function textOf(data: Buffer): string | undefined {
  if (data.includes(0)) return undefined;
  const text = data.toString("utf8");
  return Buffer.from(text, "utf8").equals(data) ? text : undefined;
}

const lines = (text: string): number => (text === "" ? 0 : text.split("\n").length - (text.endsWith("\n") ? 1 : 0));

/**
 * `write` as a unified diff of the old content and the new (a new file: all
 * added). Binary content, or content over `maxDiffBytes` on either side, gets
 * a summary only. Says when the write would be refused (an existing file
 * without `overwrite`).
 */
export async function previewWrite(env: ActionEnv, params: WriteParams): Promise<ActionPreview> {
  const data = decode(params.content, params.encoding ?? "utf8");
  return using(await env.sandbox.locate(params.path, { follow: true }), async (at) => {
    const path = at.relative;
    const next = data.length <= FILES_DEFAULTS.maxDiffBytes ? textOf(data) : undefined;
    if (at.info === undefined) {
      const details = { path, exists: false, bytes: data.length };
      if (next === undefined)
        return { summary: `create ${path} (${data.length} bytes, shown without a diff)`, details };
      const diff = createTwoFilesPatch("/dev/null", `b/${path}`, "", next);
      const count = lines(next);
      return { summary: `create ${path} (${count} ${count === 1 ? "line" : "lines"})`, diff, details };
    }
    if (!at.info.isFile() || at.name === ".") {
      return { summary: `write ${path}: refused, it is not a file`, details: { path, exists: true } };
    }
    const details = { path, exists: true, bytes: data.length, previousBytes: at.info.size };
    if (params.overwrite !== true) {
      return { summary: `write ${path}: refused, the file exists and overwrite is not true`, details };
    }
    let old: string | undefined;
    try {
      const limit = Math.min(env.limits.maxReadBytes, FILES_DEFAULTS.maxDiffBytes);
      old = textOf((await readLimited(at.folder, at.name, path, limit)).data);
    } catch (error) {
      if (!(error instanceof FileTooLargeError)) throw error;
    }
    if (old === undefined || next === undefined) {
      return {
        summary: `replace ${path} (${at.info.size} bytes → ${data.length} bytes, shown without a diff)`,
        details,
      };
    }
    const diff = createTwoFilesPatch(`a/${path}`, `b/${path}`, old, next);
    const added = diff.split("\n").filter((l) => l.startsWith("+") && !l.startsWith("+++")).length;
    const removed = diff.split("\n").filter((l) => l.startsWith("-") && !l.startsWith("---")).length;
    return { summary: `replace ${path} (+${added} −${removed} lines)`, diff, details };
  });
}

/** `move` as a summary: what moves where, and what it would replace. */
export async function previewMove(env: ActionEnv, params: MoveParams): Promise<ActionPreview> {
  return using(await env.sandbox.locate(params.from, { field: "from", follow: false }), async (from) =>
    using(await env.sandbox.locate(params.to, { field: "to", follow: false }), (to) => {
      const details = { from: from.relative, to: to.relative, exists: from.info !== undefined };
      if (from.info === undefined) {
        return Promise.resolve({ summary: `move ${from.relative}: refused, it does not exist`, details });
      }
      const kind = entryType(from.info);
      const replaces =
        to.info === undefined
          ? ""
          : params.overwrite === true
            ? `, replacing the ${entryType(to.info)} there`
            : ` (refused: ${to.relative} exists and overwrite is not true)`;
      return Promise.resolve({ summary: `move ${kind} ${from.relative} → ${to.relative}${replaces}`, details });
    }),
  );
}

/** `delete` as a summary: what would go, and for a folder how many entries it holds. */
export async function previewDelete(env: ActionEnv, params: DeleteParams): Promise<ActionPreview> {
  return using(await env.sandbox.locate(params.path, { follow: false }), async (at) => {
    const path = at.relative;
    if (at.isRoot) return { summary: "delete: refused, the sandbox root cannot be deleted", details: { path } };
    if (at.info === undefined) return { summary: `delete ${path}: refused, it does not exist`, details: { path } };
    const kind = entryType(at.info);
    if (kind !== "directory") {
      const what = kind === "symlink" ? `link ${path} (its target stays)` : `${kind} ${path} (${at.info.size} bytes)`;
      return { summary: `delete ${what}`, details: { path, type: kind } };
    }
    const entries = (await fsCall(path, () => readdir(at.folder.at(at.name)))).length;
    const details = { path, type: kind, entries };
    if (entries === 0) return { summary: `delete empty folder ${path}`, details };
    if (params.recursive !== true) {
      return {
        summary: `delete folder ${path}: refused, it holds ${entries} entries and recursive is not true`,
        details,
      };
    }
    return { summary: `delete folder ${path} and everything in it (${entries} entries at its top level)`, details };
  });
}
