import { randomBytes } from "node:crypto";
import { constants } from "node:fs";
import { access, mkdir, open, readFile, rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { CalendarError, eventNotFound, messageOf } from "../errors.js";
import { eventsIn, findEvents, masterOf, newCalendar, newEvent, parseCalendar, patchEvent, toEvent } from "../events.js";
import type { CalendarBackend, CalendarEvent, EventInput, EventPatch, ListResult, TimeRange } from "./types.js";

type Calendar = ReturnType<typeof newCalendar>;

function fileError(path: string, doing: string, error: unknown): CalendarError {
  const code = (error as { code?: unknown }).code;
  return new CalendarError(
    "CORTEX_CALENDAR_UNREACHABLE",
    `cannot ${doing} the calendar file ${path}${typeof code === "string" ? ` (${code})` : ""}: ${messageOf(error)}`,
    { cause: error },
  );
}

/**
 * Writes `text` to `path` atomically: a temporary file in the same folder,
 * flushed to disk, then renamed over the target. Readers see the old file or
 * the new one, never a partial write; the temporary file is removed on error.
 */
export async function writeFileAtomic(path: string, text: string): Promise<void> {
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`);
  try {
    const handle = await open(temp, "wx", 0o600);
    try {
      await handle.writeFile(text, "utf8");
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true }).catch(() => undefined);
    throw error;
  }
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
    return this.#serial(async () => {
      try {
        await access(this.#path, constants.F_OK);
      } catch {
        await this.#read();
      }
    });
  }

  list(range: TimeRange): Promise<ListResult> {
    return this.#serial(async () => eventsIn([await this.#read()], range));
  }

  create(input: EventInput): Promise<CalendarEvent> {
    const vevent = newEvent(input);
    return this.#serial(async () => {
      const cal = await this.#read();
      cal.addSubcomponent(vevent);
      await this.#write(cal);
      return toEvent(vevent);
    });
  }

  update(id: string, patch: EventPatch): Promise<CalendarEvent> {
    return this.#serial(async () => {
      const cal = await this.#read();
      const master = masterOf(findEvents(cal, id));
      if (master === undefined) throw eventNotFound(id);
      patchEvent(master, patch);
      await this.#write(cal);
      return toEvent(master);
    });
  }

  delete(id: string): Promise<CalendarEvent> {
    return this.#serial(async () => {
      const cal = await this.#read();
      const all = findEvents(cal, id);
      const master = masterOf(all);
      if (master === undefined) throw eventNotFound(id);
      const event = toEvent(master);
      for (const vevent of all) cal.removeSubcomponent(vevent);
      await this.#write(cal);
      return event;
    });
  }

  check(): Promise<Record<string, unknown>> {
    return this.#serial(async () => {
      try {
        await access(this.#path, constants.R_OK | constants.W_OK);
      } catch (error) {
        throw fileError(this.#path, "access", error);
      }
      const cal = await this.#read();
      return { backend: this.kind, path: this.#path, events: cal.getAllSubcomponents("vevent").length };
    });
  }

  async close(): Promise<void> {
    await this.#queue.catch(() => undefined);
  }

  #serial<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(task, task);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async #read(): Promise<Calendar> {
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
      await this.#write(cal);
      return cal;
    }
    return parseCalendar(text, `calendar file ${this.#path}`);
  }

  async #write(cal: Calendar): Promise<void> {
    try {
      await writeFileAtomic(this.#path, cal.toString() + "\r\n");
    } catch (error) {
      throw fileError(this.#path, "write", error);
    }
  }
}
