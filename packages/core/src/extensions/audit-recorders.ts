import fs from "node:fs";
import { open, readFile, type FileHandle } from "node:fs/promises";
import { InvalidOptionsError, isPlainObject } from "@cortex/primitives";
import { ENGINE_DEFAULTS } from "../engine/options.js";
import { toJson } from "../json.js";
import type { AuditRecorder } from "./audit.js";
import type { AuditEvent } from "./audit-records.js";

/** Keeps audit records in memory; for tests and small tools. */
export class MemoryAuditRecorder implements AuditRecorder {
  readonly events: AuditEvent[] = [];

  record(event: AuditEvent): void {
    this.events.push(event);
  }
}

const NEWLINE = 0x0a;
const LINE_BREAK = Buffer.from("\n");
const noop = (): void => undefined;
/** Resolves once the event loop has turned: every record of the current task then joins the batch. */
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Options of {@link JsonLinesAuditRecorder}. */
export interface JsonLinesAuditRecorderOptions {
  /**
   * The least time between two writes of the file, in milliseconds. Records
   * made sooner after a write wait, and go together in the next one. Default
   * 1; 0 writes each turn's records as the turn ends.
   */
  writeIntervalMs?: number;
}

/** The size of the buffers records are serialized into; a longer record gets a buffer of its own. */
const CHUNK_BYTES = 64 * 1024;
/** Buffers kept for reuse once their batch is written (512 KiB): a burst's backlog is given back, not kept. */
const SPARE_CHUNKS = 8;
/** Text queued before it is encoded into a buffer: at 3 bytes a code unit at most, it fits an empty one. */
const TEXT_UNITS = Math.floor(CHUNK_BYTES / 3);
/** The longest write interval: records wait in memory, so at most a minute of them. */
const MAX_INTERVAL_MS = 60_000;

/**
 * Writes every byte of `parts` to `fd` (opened to append), synchronously: a
 * batch is small and lands in the page cache, where one system call costs
 * less than handing it to libuv's thread pool and back (pino writes its
 * files the same way). A short write goes on from where it stopped.
 */
function writeAll(fd: number, parts: readonly Buffer[]): void {
  for (let rest = [...parts]; rest.length > 0;) {
    const written = fs.writevSync(fd, rest);
    if (written <= 0) throw new Error("the audit file took no bytes");
    let skip = written;
    while (rest.length > 0 && skip >= rest[0]!.length) skip -= rest.shift()!.length;
    if (skip > 0) rest[0] = rest[0]!.subarray(skip);
  }
}

/** The whole chunk a filled part was cut from (chunks own their memory: `allocUnsafeSlow`, never a pool slice). */
const reuse = (part: Buffer): Buffer => Buffer.from(part.buffer, 0, CHUNK_BYTES);

/**
 * Appends one JSON object per line to a file (created with mode 0600), in
 * the order records arrive. Each record is serialized as it arrives (given
 * as JSON text by `AuditExtension`, see {@link AuditRecorder.recordJson}),
 * encoded a few hundred at a time into reused buffers outside the JavaScript
 * heap (a burst of records never holds objects for the garbage collector to
 * walk), and written in batches, one system call each: a batch is written
 * when the turn of the event loop it was made in ends, or, when the last
 * write was less than `writeIntervalMs` ago, once that interval has passed,
 * with every record made meanwhile. An append costs the file system about
 * as much for a few hundred bytes as for a hundred kilobytes, so under load
 * the file is written at most once per interval, and a record still waits
 * no longer than that.
 * `close()` writes what waits at once, and resolves once every record
 * handed over has reached the file.
 * Every record starts on a fresh line: a file whose last line was torn (a
 * crash mid-write, a full disk) gets a line break before the next record, so
 * only the torn line is lost (see {@link readAuditLog}).
 */
export class JsonLinesAuditRecorder implements AuditRecorder {
  #handle: Promise<FileHandle> | undefined;
  /** Whether the file ends with a line break (or is empty), as read when it was opened and kept since. */
  #atLineStart = true;
  #tail: Promise<void> = Promise.resolve();
  /** Whether a write is scheduled for the records queued since the last one started. */
  #scheduled = false;
  /** The queued batch: filled parts of full buffers, then the buffer being filled and how much of it is. */
  #filled: Buffer[] = [];
  #chunk: Buffer | undefined;
  #used = 0;
  /**
   * Lines not yet encoded, each ending with a line break: records are
   * joined as text and encoded into a buffer a few hundred at a time, one
   * call instead of one per record.
   */
  #text = "";
  readonly #spare: Buffer[] = [];
  /** Records of the queued batch that JSON cannot hold. */
  #lost = 0;
  #closed = false;
  readonly #intervalMs: number;
  /** When the last write ended (`performance.now()`); the next one waits until the interval has passed. */
  #lastWrite = -Infinity;
  /** Ends the wait for the next write at once (on close), while a batch waits for the interval to pass. */
  #wake: (() => void) | undefined;

  constructor(
    readonly path: string,
    options: JsonLinesAuditRecorderOptions = {},
  ) {
    const { writeIntervalMs = ENGINE_DEFAULTS.auditWriteIntervalMs } = options;
    if (typeof writeIntervalMs !== "number" || !(writeIntervalMs >= 0) || writeIntervalMs > MAX_INTERVAL_MS) {
      throw new InvalidOptionsError(
        "writeIntervalMs",
        `JsonLinesAuditRecorder: writeIntervalMs must be a number of milliseconds from 0 to ${MAX_INTERVAL_MS}; got ${String(writeIntervalMs)}`,
      );
    }
    this.#intervalMs = writeIntervalMs;
  }

  record(event: AuditEvent): Promise<void> {
    const line = toJson(event);
    if (line !== undefined) return this.recordJson(line);
    if (this.#closed) return this.#refuse();
    this.#lost += 1;
    return this.#schedule();
  }

  /**
   * Takes one record as JSON text, as `JSON.stringify` writes it: one line,
   * not checked (a check would cost more than writing it). `AuditExtension`
   * hands records this way, written straight from each hook's event.
   */
  recordJson(json: string): Promise<void> {
    if (this.#closed) return this.#refuse();
    // Encoded before it would outgrow an empty buffer: a burst then fills the reused buffers, never fresh ones.
    if (this.#text !== "" && this.#text.length + json.length + 1 > TEXT_UNITS) this.#encode();
    this.#text += json + "\n";
    return this.#schedule();
  }

  #refuse(): Promise<void> {
    return Promise.reject(new Error(`audit file ${this.path} is closed`));
  }

  #schedule(): Promise<void> {
    if (!this.#scheduled) {
      // The first record of a batch schedules one write that takes every record queued until it runs.
      this.#scheduled = true;
      this.#tail = this.#tail
        .catch(noop)
        .then(() => this.#due())
        .then(() => this.#write());
    }
    return this.#tail;
  }

  /**
   * Resolves when the queued batch may be written: once the event loop has
   * turned, and no sooner than the write interval after the last write (at
   * once when the recorder is closed meanwhile).
   */
  #due(): Promise<void> {
    const wait = this.#lastWrite + this.#intervalMs - performance.now();
    if (wait <= 0 || this.#closed) return nextTurn();
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.#woken(resolve), wait);
      this.#wake = () => {
        clearTimeout(timer);
        this.#woken(resolve);
      };
    });
  }

  #woken(resolve: () => void): void {
    this.#wake = undefined;
    resolve();
  }

  /** Encodes the queued text into the buffer being filled, or into a fresh one when it lacks room. */
  #encode(): void {
    const text = this.#text;
    this.#text = "";
    // A UTF-16 code unit never takes more than 3 bytes in UTF-8: room for that is room enough.
    const room = text.length * 3;
    if (this.#chunk === undefined || this.#chunk.length - this.#used < room) {
      this.#retire();
      this.#chunk =
        room > CHUNK_BYTES ? Buffer.allocUnsafe(room) : (this.#spare.pop() ?? Buffer.allocUnsafeSlow(CHUNK_BYTES));
    }
    this.#used += this.#chunk.write(text, this.#used);
  }

  /** Moves the buffer being filled, as far as it is filled, to the batch's filled parts. */
  #retire(): void {
    if (this.#chunk !== undefined && this.#used > 0) this.#filled.push(this.#chunk.subarray(0, this.#used));
    this.#chunk = undefined;
    this.#used = 0;
  }

  /** The whole queued batch, encoded, as filled parts. */
  #seal(): void {
    if (this.#text !== "") this.#encode();
    this.#retire();
  }

  async #open(): Promise<FileHandle> {
    const file = await open(this.path, "a+", 0o600);
    try {
      const { size } = await file.stat();
      const last = Buffer.alloc(1);
      if (size > 0) await file.read(last, 0, 1, size - 1);
      this.#atLineStart = size === 0 || last[0] === NEWLINE;
      return file;
    } catch (error) {
      await file.close().catch(noop);
      throw error;
    }
  }

  async #write(): Promise<void> {
    this.#seal();
    const parts = this.#filled;
    const lost = this.#lost;
    this.#filled = [];
    this.#lost = 0;
    this.#scheduled = false;
    const handle = (this.#handle ??= this.#open());
    try {
      const file = await handle;
      if (parts.length > 0) {
        writeAll(file.fd, this.#atLineStart ? parts : [LINE_BREAK, ...parts]);
        this.#atLineStart = true;
      }
    } catch (error) {
      // Part of the batch may have reached the file: it is opened afresh for the next records, and its end read again.
      if (this.#handle === handle) this.#handle = undefined;
      await handle.then((file) => file.close()).catch(noop);
      throw error;
    } finally {
      // Counted from when the write ended: opening the file first may take a while.
      this.#lastWrite = performance.now();
      for (const part of parts) {
        if (part.buffer.byteLength === CHUNK_BYTES && this.#spare.length < SPARE_CHUNKS) this.#spare.push(reuse(part));
      }
    }
    if (lost > 0) throw new Error(`${lost} audit record(s) could not be written: JSON cannot hold them`);
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#wake?.();
    await this.#tail.catch(noop);
    const handle = this.#handle;
    this.#handle = undefined;
    const file = await handle?.catch(noop);
    await file?.close();
  }
}

/** What {@link readAuditLog} found in an audit file. */
export interface AuditLog {
  /** Every whole record, in file order. */
  events: AuditEvent[];
  /** Lines that are not a whole record (torn by a crash or a full disk), skipped. */
  skipped: number;
}

/**
 * Reads an audit file written by {@link JsonLinesAuditRecorder}. A torn
 * line — the end of a record a crash or a full disk cut short — is skipped
 * and counted; every other record is read.
 */
export async function readAuditLog(path: string): Promise<AuditLog> {
  const events: AuditEvent[] = [];
  let skipped = 0;
  for (const line of (await readFile(path, "utf8")).split("\n")) {
    if (line === "") continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      value = undefined;
    }
    if (isPlainObject(value) && typeof value.hook === "string") events.push(value as unknown as AuditEvent);
    else skipped += 1;
  }
  return { events, skipped };
}
