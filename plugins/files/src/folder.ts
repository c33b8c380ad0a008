import { constants, type Stats } from "node:fs";
import { lstat, open, readlink, realpath, stat, type FileHandle } from "node:fs/promises";
import { join } from "node:path";
import { OutsideSandboxError } from "./errors.js";

/**
 * How the sandbox reaches into a folder it opened. `"descriptor"`: through
 * the open descriptor (Linux, `/proc/self/fd`), so a step always lands in
 * that very folder. `"path"`: by the folder's path, checked just before and
 * after each step (systems without `/proc/self/fd`).
 */
export type Anchoring = "descriptor" | "path";

// O_DIRECTORY and O_NOFOLLOW are missing on Windows, where folders are reached by path.
const FOLDER_FLAGS = constants.O_RDONLY | (constants.O_DIRECTORY ?? 0) | (constants.O_NOFOLLOW ?? 0);

/** True when `a` and `b` are the same file-system object (device and inode). */
export function sameObject(a: Stats, b: Stats): boolean {
  return a.dev === b.dev && a.ino === b.ino;
}

/** An error with a Node errno code, for a folder that is not (or no longer) what a step expects. */
function errno(code: "ELOOP" | "ENOTDIR"): NodeJS.ErrnoException {
  return Object.assign(new Error(code), { code });
}

/**
 * A real folder inside the sandbox, reached from the root one name at a time
 * without following a link. Every step an action takes in it goes through
 * {@link Folder.at}: with `"descriptor"` anchoring that is
 * `/proc/self/fd/<fd>/<name>`, which the kernel resolves through the open
 * descriptor (the `openat`/`unlinkat`/`renameat` Node lacks), so whatever
 * happens to the folder's path meanwhile — a folder on it swapped for a link
 * leading out — the step lands in this folder and nowhere else.
 */
export class Folder {
  #closed = false;

  private constructor(
    /** Where it was found: `/`-separated path from the root, `"."` for the root itself. */
    readonly rel: string,
    /** Absolute path where it was found (the root's real path plus `rel`). */
    readonly abs: string,
    readonly anchoring: Anchoring,
    readonly handle: FileHandle | undefined,
    // What was found there, by path; with a descriptor, read when first asked for.
    private found: Stats | undefined,
  ) {}

  /** What this folder is (`fstat` of the descriptor, or the `lstat` by path when it was found). */
  async stats(): Promise<Stats> {
    this.found ??= await this.handle!.stat();
    return this.found;
  }

  /**
   * Which anchoring works for the folder at `root` on this system: a
   * descriptor when `/proc/self/fd/<fd>` leads to the very folder opened and
   * names it by its path, else the path.
   */
  static async anchoringFor(root: string): Promise<Anchoring> {
    const probe = await Folder.open(root, "descriptor").catch(() => undefined);
    if (probe?.handle === undefined) return "path";
    try {
      const through = await stat(`${probe.#anchor}/.`);
      const named = await readlink(probe.#anchor);
      return sameObject(through, await probe.stats()) && named === root ? "descriptor" : "path";
    } catch {
      return "path";
    } finally {
      await probe.close();
    }
  }

  /** Opens the root folder (a real path) with the given anchoring. */
  static async open(root: string, anchoring: Anchoring): Promise<Folder> {
    if (anchoring === "path") return new Folder(".", root, "path", undefined, await stat(root));
    return new Folder(".", root, "descriptor", await open(root, FOLDER_FLAGS), undefined);
  }

  get #anchor(): string {
    return this.handle === undefined ? this.abs : `/proc/self/fd/${this.handle.fd}`;
  }

  /** The path that reaches `name` inside this folder (never followed past it: the last name is the caller's to follow or not). */
  at(name: string): string {
    return this.handle === undefined ? join(this.abs, name) : `${this.#anchor}/${name}`;
  }

  /** The path that reaches this folder itself, to list it. */
  get self(): string {
    return this.#anchor;
  }

  /**
   * Opens the folder `name` inside this one without following a link.
   * Rejects with `ELOOP` or `ENOTDIR` when it is not a real folder (anymore),
   * `ENOENT` when it is gone.
   */
  async child(name: string): Promise<Folder> {
    const rel = this.rel === "." ? name : `${this.rel}/${name}`;
    const abs = join(this.abs, name);
    if (this.handle === undefined) {
      const info = await lstat(this.at(name));
      if (info.isSymbolicLink()) throw errno("ELOOP");
      if (!info.isDirectory()) throw errno("ENOTDIR");
      return new Folder(rel, abs, "path", undefined, info);
    }
    // O_DIRECTORY | O_NOFOLLOW: a folder, and never through a link.
    return new Folder(rel, abs, "descriptor", await open(this.at(name), FOLDER_FLAGS), undefined);
  }

  /**
   * True while this folder is still where it was found: its path leads to it
   * with no link on the way. With a descriptor, that is the kernel's own name
   * for the open folder; by path, `realpath` and the identity of what is there.
   */
  async inPlace(): Promise<boolean> {
    try {
      if (this.handle !== undefined) return (await readlink(this.#anchor)) === this.abs;
      if ((await realpath(this.abs)) !== this.abs) return false;
      return sameObject(await lstat(this.abs), await this.stats());
    } catch {
      return false;
    }
  }

  /**
   * Runs one file-system step in this folder, only while the folder is still
   * where it was found (refused with `CORTEX_FILES_OUTSIDE_SANDBOX` about
   * `input` otherwise). By path, checked again after the step, so a swap in
   * between is at least reported.
   */
  async step<T>(input: string, run: () => Promise<T>): Promise<T> {
    if (!(await this.inPlace())) throw moved(input);
    const result = await run();
    if (this.handle === undefined && !(await this.inPlace())) throw moved(input);
    return result;
  }

  /** Releases the descriptor; safe to call twice. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.handle?.close();
  }
}

/** The refusal when a folder an action uses was moved, or swapped for a link, while the action ran. */
export function moved(input: string): OutsideSandboxError {
  return new OutsideSandboxError(input, "a folder on its path was moved or replaced by a link while in use");
}

/** The refusal when an entry a path named was replaced (by a link or another kind of entry) while in use. */
export function changed(path: string): OutsideSandboxError {
  return new OutsideSandboxError(path, "it was replaced (by a link or another kind of entry) while in use");
}
