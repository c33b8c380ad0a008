import { readlink, realpath, stat } from "node:fs/promises";
import { dirname, isAbsolute, join, relative, resolve, sep, win32 } from "node:path";
import {
  FileNotFoundError,
  FilesConfigError,
  InvalidPathError,
  NotADirectoryError,
  OutsideSandboxError,
  errnoOf,
  fromErrno,
} from "./errors.js";
import { Folder, changed, type Anchoring } from "./folder.js";
import { locate, type LocateOptions, type Located } from "./locate.js";

export type { LocateOptions, Located } from "./locate.js";

/** A path the model gave, checked and resolved inside the sandbox (a snapshot: actions use {@link Located}). */
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
 * goes through {@link Sandbox.locate}, which refuses NUL bytes, absolute
 * paths, `..` climbing above the root, and any symbolic link (at any depth,
 * including the last name, dangling or not) whose target is outside the root,
 * and opens each folder on the way from the one before it without following
 * a link, so what it returns is a real folder inside the root.
 */
export class Sandbox {
  private constructor(
    /** Real absolute path of the root folder. */
    readonly root: string,
    /** How folders are reached once opened: `"descriptor"` where a racing process cannot redirect a step. */
    readonly anchoring: Anchoring,
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
    return new Sandbox(real, await Folder.anchoringFor(real));
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
   * Finds where `input` leads and opens the real folder that holds it. Names
   * are taken one at a time from the root: a folder is opened from the one
   * before it without following a link; a link met on the way (and the last
   * name's, with `follow`) is read and its target walked the same way, refused
   * when it leads out or dangles. The caller closes `folder`.
   */
  async locate(input: unknown, options: LocateOptions): Promise<Located> {
    const names = this.#parse(input, options.field ?? "path");
    return locate(this, input as string, names, options);
  }

  /** Opens the folder `input` names (through links that stay inside); the caller closes it. */
  async openFolder(input: unknown, field = "path"): Promise<{ readonly folder: Folder; readonly relative: string }> {
    const at = await this.locate(input, { field, follow: true });
    try {
      if (at.info === undefined) throw new FileNotFoundError(at.relative);
      if (!at.info.isDirectory()) throw new NotADirectoryError(at.relative);
      if (at.name === ".") return { folder: at.folder, relative: at.relative };
      const folder = await at.folder.child(at.name).catch((error: unknown) => {
        const errno = errnoOf(error);
        // Swapped for a link or a file since it was found.
        throw errno === "ELOOP" || errno === "ENOTDIR"
          ? changed(at.relative)
          : (fromErrno(error, at.relative) ?? error);
      });
      await at.folder.close();
      return { folder, relative: at.relative };
    } catch (error) {
      await at.folder.close();
      throw error;
    }
  }

  /**
   * Checks `input` and resolves it, following links that stay inside: a
   * snapshot for code using the sandbox directly. Acting on its paths later
   * is check-then-act; the actions use {@link Sandbox.locate} instead.
   */
  async resolve(input: unknown, field = "path"): Promise<ResolvedPath> {
    const entry = await this.resolveEntry(input, field);
    if (!entry.exists || entry.isRoot) return entry;
    const target = await this.#snapshot(input, field, true);
    return { ...target, entry: entry.entry };
  }

  /**
   * Like {@link Sandbox.resolve}, for a path used as an entry of its own
   * (what `delete` removes, what `move` moves): a link as the last name is
   * not followed, dangling or not; `real` is then the link itself.
   */
  async resolveEntry(input: unknown, field = "path"): Promise<ResolvedPath> {
    return this.#snapshot(input, field, false);
  }

  async #snapshot(input: unknown, field: string, follow: boolean): Promise<ResolvedPath> {
    const at = await this.locate(input, { field, follow });
    await at.folder.close();
    const real = at.name === "." ? at.folder.abs : join(at.folder.abs, ...(at.info ? [at.name] : at.missing));
    return {
      input: at.input,
      relative: at.relative,
      real,
      entry: real,
      exists: at.info !== undefined,
      isRoot: at.isRoot,
    };
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

  /** The names of `input` below the root, after the checks every path gets. */
  #parse(input: unknown, field: string): string[] {
    if (typeof input !== "string" || input === "") {
      throw new InvalidPathError(String(input), `is not a valid ${field}: give a non-empty path relative to the root`);
    }
    if (input.includes("\0")) throw new InvalidPathError(input, `(${field}) contains a NUL byte`);
    if (isAbsolute(input) || win32.isAbsolute(input) || /^[a-zA-Z]:/.test(input)) {
      throw new InvalidPathError(input, `(${field}) is absolute: give a path relative to the sandbox root`);
    }
    const lexical = resolve(this.root, input);
    if (!this.contains(lexical)) throw new OutsideSandboxError(input, `"..", in ${field}, climbs above the root`);
    return relative(this.root, lexical)
      .split(sep)
      .filter((name) => name !== "");
  }
}
