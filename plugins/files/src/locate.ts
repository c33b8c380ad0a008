import type { Stats } from "node:fs";
import { lstat, mkdir, readlink } from "node:fs/promises";
import { isAbsolute, relative, resolve, sep } from "node:path";
import { InvalidPathError, NotADirectoryError, OutsideSandboxError, errnoOf, fromErrno } from "./errors.js";
import { Folder } from "./folder.js";
import type { Sandbox } from "./sandbox.js";

/** Where a path leads, held open: the real folder holding the entry, and the entry's name in it. */
export interface Located {
  /** What the caller wrote, for messages. */
  readonly input: string;
  /** Normalized, relative to the root, `/`-separated; `"."` is the root itself. */
  readonly relative: string;
  /** True for the root itself. */
  readonly isRoot: boolean;
  /** The real folder holding the entry, open; the caller closes it. */
  readonly folder: Folder;
  /** The entry's name in `folder`; `"."` when the path ends on `folder` itself (the root, or a link to a folder). */
  readonly name: string;
  /** The entry as `lstat` saw it; `undefined` when it does not exist. */
  readonly info: Stats | undefined;
  /** Names below `folder` that do not exist yet, the entry's own last; empty when it exists. */
  readonly missing: readonly string[];
}

/** How {@link Sandbox.locate} treats the path. */
export interface LocateOptions {
  /** The parameter's name, for messages. Default `"path"`. */
  readonly field?: string;
  /** Follow a link named by the last name (a `read`, a `write`); otherwise it is the entry itself. */
  readonly follow: boolean;
  /** Create missing folders on the way (a `write` with `createDirectories`). */
  readonly create?: boolean;
}

// A backslash is an ordinary character in a POSIX name, a separator on Windows.
const SEPARATORS = sep === "\\" ? /[\\/]/ : /\//;

/** Links followed, and steps retried because the tree changed under the walk, before a path is refused (Linux allows 40 links). */
const MAX_LINKS = 40;

interface Step {
  readonly name: string;
  /** The link this name comes from, relative to the root, when it comes from one. */
  readonly link?: string;
}

/**
 * Walks `names` (checked, normalized, below the root) from the root: each
 * folder is opened from the one before it without following a link; a link
 * met on the way (and the last name's, with `follow`) is read and its target
 * walked the same way, from the root for an absolute target, from the link's
 * folder for a relative one, with `..` going back to the folder the walk came
 * from and refused above the root. A name that changes kind under the walk
 * is looked at again, within the same budget as links.
 */
export async function locate(
  sandbox: Sandbox,
  input: string,
  names: readonly string[],
  options: LocateOptions,
): Promise<Located> {
  const walk = new Walk(sandbox, input, options.field ?? "path", options);
  const root = await Folder.open(sandbox.root, sandbox.anchoring).catch((error: unknown) => {
    throw fromErrno(error, ".") ?? error;
  });
  return walk.run(root, names);
}

class Walk {
  readonly #stack: Folder[] = [];
  readonly #queue: Step[] = [];
  #budget = MAX_LINKS;

  constructor(
    private readonly sandbox: Sandbox,
    private readonly input: string,
    private readonly field: string,
    private readonly options: LocateOptions,
  ) {}

  async run(root: Folder, names: readonly string[]): Promise<Located> {
    this.#stack.push(root);
    this.#queue.push(...names.map((name) => ({ name })));
    const found = (name: string, info: Stats | undefined, missing: readonly string[]): Located => ({
      input: this.input,
      relative: names.join("/") || ".",
      isRoot: names.length === 0,
      folder: this.#top,
      name,
      info,
      missing,
    });
    try {
      for (;;) {
        const folder = this.#top;
        const step = this.#queue.shift();
        if (step === undefined) return found(".", await folder.stats(), []);
        if (step.name === "." || step.name === "") continue;
        if (step.name === "..") {
          // Only a link's target has "..": the caller's own path is normalized.
          if (this.#stack.length === 1) throw this.#escape(step.link ?? this.input);
          await this.#stack.pop()!.close();
          continue;
        }
        const last = this.#queue.length === 0;
        const here = folder.rel === "." ? step.name : `${folder.rel}/${step.name}`;
        // A real folder on the way is opened at once; anything else is looked at.
        if (!last && (await this.#descend(folder, step, here))) continue;
        const info = await lstatIfAny(folder.at(step.name), here);
        if (info?.isSymbolicLink() && (this.options.follow || !last)) {
          await this.#expand(folder, step, here);
          continue;
        }
        if (step.link !== undefined && info === undefined) {
          throw new InvalidPathError(this.input, `(${this.field}) goes through a broken symbolic link: ${step.link}`);
        }
        if (last) return found(step.name, info, info === undefined ? [step.name] : []);
        if (info === undefined && this.options.create !== true) {
          return found(step.name, undefined, [step.name, ...this.#queue.map((s) => s.name)]);
        }
        if (info === undefined) {
          await folder
            .step(this.input, () => mkdir(folder.at(step.name)))
            .catch((error: unknown) => {
              if (errnoOf(error) !== "EEXIST") throw fromErrno(error, here) ?? error;
            });
          if (!(await this.#descend(folder, step, here))) this.#again(step);
          continue;
        }
        if (!info.isDirectory()) throw new NotADirectoryError(here);
        this.#again(step); // a folder again, after the open above found something else
      }
    } catch (error) {
      await Promise.all(this.#stack.map((folder) => folder.close()));
      throw error;
    } finally {
      // Everything but the folder handed to the caller.
      await Promise.all(this.#stack.slice(0, -1).map((folder) => folder.close()));
    }
  }

  get #top(): Folder {
    return this.#stack.at(-1)!;
  }

  /** Opens the real folder `step` names and walks into it; false when it is not one (a link, a file, nothing). */
  async #descend(folder: Folder, step: Step, here: string): Promise<boolean> {
    try {
      this.#stack.push(await folder.child(step.name));
      return true;
    } catch (error) {
      const errno = errnoOf(error);
      if (errno === "ELOOP" || errno === "ENOTDIR" || errno === "ENOENT") return false;
      throw fromErrno(error, here) ?? error;
    }
  }

  /**
   * Puts the target of the link `step` names in front of the queue. Refused
   * when the target, read as written, leads outside the root (so a dangling
   * link cannot be written through to create a file outside); a target that
   * climbs above the root to come back is refused by the walk itself.
   */
  async #expand(folder: Folder, step: Step, here: string): Promise<void> {
    this.#spend("has too many levels of symbolic links");
    let target: string;
    try {
      target = await readlink(folder.at(step.name));
    } catch (error) {
      // EINVAL: no longer a link. Look at it again.
      const errno = errnoOf(error);
      if (errno !== "EINVAL" && errno !== "ENOENT") throw fromErrno(error, here) ?? error;
      this.#queue.unshift(step);
      return;
    }
    const absolute = isAbsolute(target);
    const lexical = absolute ? resolve(target) : resolve(folder.abs, target);
    if (!this.sandbox.contains(lexical)) throw this.#escape(here);
    const names = absolute ? relative(this.sandbox.root, lexical).split(sep) : target.split(SEPARATORS);
    if (absolute) while (this.#stack.length > 1) await this.#stack.pop()!.close();
    this.#queue.unshift(...names.map((name) => ({ name, link: here })));
  }

  #again(step: Step): void {
    this.#spend("keeps changing while it is resolved");
    this.#queue.unshift(step);
  }

  #spend(why: string): void {
    if (--this.#budget < 0) throw new InvalidPathError(this.input, why);
  }

  #escape(link: string): OutsideSandboxError {
    return new OutsideSandboxError(this.input, `${this.field} goes through the symbolic link ${link}, which leads out`);
  }
}

/** `lstat` of `at`, or `undefined` when nothing is there. */
async function lstatIfAny(at: string, path: string): Promise<Stats | undefined> {
  try {
    return await lstat(at);
  } catch (error) {
    if (errnoOf(error) === "ENOENT") return undefined;
    throw fromErrno(error, path) ?? error;
  }
}
