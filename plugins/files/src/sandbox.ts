import type { Stats } from "node:fs";
import { lstat, readlink, realpath, stat } from "node:fs/promises";
import { basename, dirname, isAbsolute, join, relative, resolve, sep, win32 } from "node:path";
import {
  FilesConfigError,
  InvalidPathError,
  NotADirectoryError,
  OutsideSandboxError,
  errnoOf,
  fromErrno,
} from "./errors.js";

/** A path the model gave, checked and resolved inside the sandbox. */
export interface ResolvedPath {
  /** What the caller wrote, for messages. */
  readonly input: string;
  /** Normalized, relative to the root, `/`-separated; `"."` is the root itself. */
  readonly relative: string;
  /** Absolute path with every symbolic link followed (inside the root by construction). */
  readonly real: string;
  /** The entry itself: its real parent folder plus its own name (a final link is not followed). */
  readonly entry: string;
  /** Whether the entry exists (a link counts, whatever it points to). */
  readonly exists: boolean;
  /** True for the root itself. */
  readonly isRoot: boolean;
}

/**
 * The sandbox: a folder resolved with `realpath` once, at setup. Every path
 * goes through {@link Sandbox.resolve}, which refuses NUL bytes, absolute
 * paths, `..` climbing above the root, and any symbolic link (at any depth,
 * including the last name, dangling or not) whose target is outside the root.
 */
export class Sandbox {
  private constructor(
    /** Real absolute path of the root folder. */
    readonly root: string,
  ) {}

  /** Opens `root` (relative to the working directory): it must exist and be a folder. */
  static async open(root: string, key = "files_root"): Promise<Sandbox> {
    if (root.trim() === "" || root.includes("\0")) throw new FilesConfigError(key, "must be a folder path");
    let real: string;
    try {
      real = await realpath(resolve(root));
    } catch (error) {
      throw new FilesConfigError(key, `(${root}) does not exist or cannot be resolved`, error);
    }
    if (!(await stat(real)).isDirectory()) throw new FilesConfigError(key, `(${root}) is not a folder`);
    return new Sandbox(real);
  }

  /** True when the absolute path `abs` is the root or below it. */
  contains(abs: string): boolean {
    const rel = relative(this.root, abs);
    return rel === "" || (rel !== ".." && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
  }

  /** `/`-separated path of `abs` relative to the root (`"."` for the root). */
  relativeOf(abs: string): string {
    return relative(this.root, abs).split(sep).join("/") || ".";
  }

  /**
   * Checks `input` and resolves it one name at a time, following links with
   * `realpath` and checking each target, so the deepest existing ancestor of
   * a path that does not exist yet is always a real folder inside the root.
   */
  async resolve(input: unknown, field = "path"): Promise<ResolvedPath> {
    return this.#resolve(input, field, true);
  }

  /**
   * Like {@link Sandbox.resolve}, for a path used as an entry of its own
   * (what `delete` removes, what `move` moves): a link as the last name is
   * not followed, dangling or not; `real` is then the link itself.
   */
  async resolveEntry(input: unknown, field = "path"): Promise<ResolvedPath> {
    return this.#resolve(input, field, false);
  }

  async #resolve(input: unknown, field: string, followLast: boolean): Promise<ResolvedPath> {
    if (typeof input !== "string" || input === "") {
      throw new InvalidPathError(String(input), `is not a valid ${field}: give a non-empty path relative to the root`);
    }
    if (input.includes("\0")) throw new InvalidPathError(input, `(${field}) contains a NUL byte`);
    if (isAbsolute(input) || win32.isAbsolute(input) || /^[a-zA-Z]:/.test(input)) {
      throw new InvalidPathError(input, `(${field}) is absolute: give a path relative to the sandbox root`);
    }
    const lexical = resolve(this.root, input);
    if (!this.contains(lexical)) throw new OutsideSandboxError(input, `"..", in ${field}, climbs above the root`);
    const names = relative(this.root, lexical)
      .split(sep)
      .filter((n) => n !== "");
    const rel = names.join("/") || ".";
    if (names.length === 0) {
      return { input, relative: rel, real: this.root, entry: this.root, exists: true, isRoot: true };
    }
    let current = this.root;
    for (const [i, name] of names.entries()) {
      const last = i === names.length - 1;
      const next = join(current, name);
      let info;
      try {
        info = await lstat(next);
      } catch (error) {
        const errno = errnoOf(error);
        if (errno === "ENOENT") {
          const rest = join(current, ...names.slice(i));
          return { input, relative: rel, real: rest, entry: rest, exists: false, isRoot: false };
        }
        if (errno === "ENOTDIR") throw new NotADirectoryError(names.slice(0, i).join("/"));
        throw fromErrno(error, input) ?? error;
      }
      if (info.isSymbolicLink() && last && !followLast) {
        return { input, relative: rel, real: next, entry: next, exists: true, isRoot: false };
      }
      if (info.isSymbolicLink()) {
        const target = await this.#follow(next, input, field);
        if (last) return { input, relative: rel, real: target, entry: next, exists: true, isRoot: false };
        current = target;
      } else {
        if (last) return { input, relative: rel, real: next, entry: next, exists: true, isRoot: false };
        current = next;
      }
    }
    /* c8 ignore next */
    throw new InvalidPathError(input, "could not be resolved");
  }

  /**
   * Checks that a file opened at `abs` (its `fstat` is `opened`) is still the
   * entry at that path inside the root: its folder, resolved again with
   * `realpath`, must be inside the root, and the entry there must be the
   * same file (device and inode). Catches a folder swapped for a link
   * between the check of the path and the `open`.
   */
  async verifyOpened(abs: string, opened: Stats, input: string): Promise<string> {
    let folder: string;
    let now: Stats;
    try {
      folder = await realpath(dirname(abs));
      now = await lstat(join(folder, basename(abs)));
    } catch (error) {
      throw fromErrno(error, input) ?? error;
    }
    if (!this.contains(folder))
      throw new OutsideSandboxError(input, "its folder was replaced by a link leading out while in use");
    if (now.dev !== opened.dev || now.ino !== opened.ino) {
      throw new OutsideSandboxError(input, "the entry changed while in use (a folder on its path was replaced)");
    }
    return join(folder, basename(abs));
  }

  /**
   * Whether the link now at `link` would still lead inside the root from
   * `place` (where a move puts it). `movedFrom`/`movedTo` name the tree being
   * moved, so a target inside its new location is judged where it is now.
   * Judged lexically, then with `realpath` of the deepest existing ancestor.
   */
  async linkStaysInside(link: string, place: string, movedFrom: string, movedTo: string): Promise<boolean> {
    const target = await readlink(link);
    let where = isAbsolute(target) ? resolve(target) : resolve(dirname(place), target);
    if (!this.contains(where)) return false;
    const rel = relative(movedTo, where);
    if (rel === "" || (rel !== ".." && !rel.startsWith(`..${sep}`) && !isAbsolute(rel))) where = join(movedFrom, rel);
    for (let probe = where; ; probe = dirname(probe)) {
      try {
        return this.contains(await realpath(probe));
      } catch (error) {
        const errno = errnoOf(error);
        if (errno === "ELOOP") return true; // a loop leads nowhere, and every use of it is refused
        if (errno !== "ENOENT" && errno !== "ENOTDIR") throw error;
        if (probe === this.root || dirname(probe) === probe) return true;
      }
    }
  }

  /** Real target of the link `link`, refused when it leads out or dangles. */
  async #follow(link: string, input: string, field: string): Promise<string> {
    let target: string;
    try {
      target = await realpath(link);
    } catch (error) {
      if (errnoOf(error) !== "ENOENT") throw fromErrno(error, input) ?? error;
      // Dangling: judge where it would lead, so a write cannot create a file outside through it.
      const where = resolve(join(link, ".."), await readlink(link));
      if (!this.contains(where)) throw this.#escape(link, input, field);
      throw new InvalidPathError(input, `(${field}) goes through a broken symbolic link: ${this.relativeOf(link)}`);
    }
    if (!this.contains(target)) throw this.#escape(link, input, field);
    return target;
  }

  #escape(link: string, input: string, field: string): OutsideSandboxError {
    return new OutsideSandboxError(
      input,
      `${field} goes through the symbolic link ${this.relativeOf(link)}, which leads out`,
    );
  }
}
