import { constants } from "node:fs";
import { access, mkdir, readFile, readlink, realpath, stat } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { messageOf, withDeadline, writeFileAtomic } from "@cortex/primitives";
import { CalendarFailure, eventNotFound } from "../errors.js";
import {
  deletedEvent,
  eventsIn,
  findEvents,
  masterOf,
  newEvent,
  patchEvent,
  removeEvents,
  toEvent,
} from "../events.js";
import { parseCalendars } from "../ical/read.js";
import { newCalendar, writeCalendars } from "../ical/write.js";
import type { CalendarBackend, CalendarEvent, EventInput, EventPatch, ListResult, TimeRange } from "./types.js";

type Calendar = ReturnType<typeof newCalendar>;

function fileError(path: string, doing: string, error: unknown): CalendarFailure {
  const code = (error as { code?: unknown }).code;
  return new CalendarFailure(
    "CORTEX_CALENDAR_UNREACHABLE",
    `cannot ${doing} the calendar file ${path}${typeof code === "string" ? ` (${code})` : ""}: ${messageOf(error)}`,
    { cause: error },
  );
}

const codeOf = (error: unknown): unknown => (error as { code?: unknown }).code;

/**
 * The file a write to `path` must replace: `path` with its symbolic links
 * resolved, also when the last link dangles (its target is created).
 */
async function writeTarget(path: string): Promise<string> {
  let current = resolve(path);
  for (let hops = 0; hops < 40; hops += 1) {
    try {
      return await realpath(current);
    } catch (error) {
      if (codeOf(error) !== "ENOENT") throw error;
    }
    let link: string;
    try {
      link = await readlink(current);
    } catch {
      // Not a link (the file does not exist yet): its folder may still be one.
      try {
        return join(await realpath(dirname(current)), basename(current));
      } catch {
        return current;
      }
    }
    current = resolve(dirname(current), link);
  }
  return current;
}

/**
 * Writes `text` over the calendar at `path` atomically (see
 * `writeFileAtomic`), through a symbolic link at `path` to the file it
 * names, keeping an existing file's permission bits (a new file is 0600).
 * When `signal` is aborted before the rename, nothing is written.
 */
async function writeCalendarFile(path: string, text: string, signal?: AbortSignal): Promise<void> {
  const target = await writeTarget(path);
  let mode = 0o600;
  try {
    mode = (await stat(target)).mode & 0o7777;
  } catch (error) {
    if (codeOf(error) !== "ENOENT") throw error;
  }
  await writeFileAtomic(target, text, { mode, ...(signal === undefined ? {} : { signal }) });
}

/**
 * An iCalendar file (RFC 5545) read and written with ical.js. Every
 * operation runs in one in-process queue, so concurrent creates and updates
 * never lose each other's events; each write is atomic (temp + rename).
 * Other processes writing the same file are not coordinated with.
 */
export class IcsBackend implements CalendarBackend {
  readonly kind = "ics";
  readonly #path: string;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(path: string) {
    this.#path = path;
  }

  /**
   * Creates the file (and its folder) with an empty VCALENDAR when it does
   * not exist. An existing file is not parsed here: a broken file shows in
   * `health()` and in each action's result, and works again once fixed.
   */
  init(): Promise<void> {
    return this.#serial(undefined, async () => {
      try {
        await access(this.#path, constants.F_OK);
      } catch {
        await this.#read();
      }
    });
  }

  list(range: TimeRange, signal?: AbortSignal): Promise<ListResult> {
    return this.#serial(signal, async () => eventsIn(vcalendars(await this.#read()), range));
  }

  create(input: EventInput, signal?: AbortSignal): Promise<CalendarEvent> {
    const vevent = newEvent(input);
    return this.#serial(signal, async () => {
      const roots = await this.#read();
      vcalendars(roots)[0]!.addSubcomponent(vevent);
      await this.#write(roots, signal);
      return toEvent(vevent);
    });
  }

  get(id: string, signal?: AbortSignal): Promise<CalendarEvent> {
    return this.#serial(signal, async () => {
      const master = masterOf(eventsWithId(await this.#read(), id));
      if (master === undefined) throw eventNotFound(id);
      return toEvent(master);
    });
  }

  update(id: string, patch: EventPatch, signal?: AbortSignal): Promise<CalendarEvent> {
    return this.#serial(signal, async () => {
      const roots = await this.#read();
      const master = masterOf(eventsWithId(roots, id));
      if (master === undefined) throw eventNotFound(id);
      const updated = patchEvent(master, patch);
      await this.#write(roots, signal);
      return toEvent(updated);
    });
  }

  delete(id: string, signal?: AbortSignal): Promise<CalendarEvent> {
    return this.#serial(signal, async () => {
      const roots = await this.#read();
      const all = eventsWithId(roots, id);
      const master = masterOf(all);
      if (master === undefined) throw eventNotFound(id);
      const event = deletedEvent(master, id);
      removeEvents(all);
      await this.#write(roots, signal);
      return event;
    });
  }

  check(signal?: AbortSignal): Promise<Record<string, unknown>> {
    return this.#serial(signal, async () => {
      try {
        await access(this.#path, constants.R_OK | constants.W_OK);
      } catch (error) {
        throw fileError(this.#path, "access", error);
      }
      const events = vcalendars(await this.#read()).reduce((n, cal) => n + cal.getAllSubcomponents("vevent").length, 0);
      return { backend: this.kind, path: this.#path, events };
    });
  }

  async close(): Promise<void> {
    await this.#queue.catch(() => undefined);
  }

  /**
   * Queues `task` behind every earlier one. An aborted `signal` rejects the
   * call at once with its reason; the task, when its turn comes, checks the
   * signal before starting (and writes check it again before the rename), so
   * a cancelled change is never written.
   */
  #serial<T>(signal: AbortSignal | undefined, task: () => Promise<T>): Promise<T> {
    const guarded = (): Promise<T> => {
      signal?.throwIfAborted();
      return task();
    };
    const run = this.#queue.then(guarded, guarded);
    this.#queue = run.catch(() => undefined);
    return signal === undefined ? run : withDeadline(run, { signal, abortError: (reason) => reason });
  }

  /** The root components of the file (at least one VCALENDAR); the file is created when missing. */
  async #read(): Promise<Calendar[]> {
    let text: string;
    try {
      text = await readFile(this.#path, "utf8");
    } catch (error) {
      if ((error as { code?: unknown }).code !== "ENOENT") throw fileError(this.#path, "read", error);
      const cal = newCalendar();
      try {
        await mkdir(dirname(this.#path), { recursive: true });
      } catch (mkdirError) {
        throw fileError(this.#path, "create the folder of", mkdirError);
      }
      await this.#write([cal]);
      return [cal];
    }
    return parseCalendars(text, `calendar file ${this.#path}`);
  }

  /** Writes every root component back, in order; nothing when `signal` is aborted. */
  async #write(roots: readonly Calendar[], signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    try {
      await writeCalendarFile(this.#path, writeCalendars(roots), signal);
    } catch (error) {
      if (signal?.aborted && error === signal.reason) throw error;
      throw fileError(this.#path, "write", error);
    }
  }
}

/** The VCALENDARs among a file's root components. */
function vcalendars(roots: readonly Calendar[]): Calendar[] {
  return roots.filter((root) => root.name === "vcalendar");
}

/** The VEVENTs with this UID in any VCALENDAR of the file. */
function eventsWithId(roots: readonly Calendar[], id: string): Calendar[] {
  return vcalendars(roots).flatMap((cal) => findEvents(cal, id));
}
