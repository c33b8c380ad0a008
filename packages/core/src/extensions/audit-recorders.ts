import { open, readFile, type FileHandle } from "node:fs/promises";
import { isPlainObject } from "@cortex/primitives";
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
const noop = (): void => undefined;

/**
 * Appends one JSON object per line to a file (created with mode 0600), in
 * the order records arrive. Records are queued as they come and serialized
 * together when their batch is written; `close()` resolves once every record
 * handed over has reached the file. Every record starts on a fresh line: a
 * file whose last line was torn (a crash mid-write, a full disk) gets a line
 * break before the next record, so only the torn line is lost (see
 * {@link readAuditLog}).
 */
export class JsonLinesAuditRecorder implements AuditRecorder {
  #handle: Promise<FileHandle> | undefined;
  /** Whether the file ends with a line break (or is empty), as read when it was opened and kept since. */
  #atLineStart = true;
  #tail: Promise<void> = Promise.resolve();
  #batch: AuditEvent[] = [];
  #closed = false;

  constructor(readonly path: string) {}

  record(event: AuditEvent): Promise<void> {
    if (this.#closed) return Promise.reject(new Error(`audit file ${this.path} is closed`));
    this.#batch.push(event);
    if (this.#batch.length === 1) {
      // The first record of a batch schedules one write that takes every record queued until it runs.
      this.#tail = this.#tail.catch(noop).then(() => this.#write());
    }
    return this.#tail;
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
    const batch = this.#batch;
    this.#batch = [];
    const handle = (this.#handle ??= this.#open());
    let lost = 0;
    let chunk = "";
    for (const event of batch) {
      const line = toJson(event);
      if (line === undefined) lost += 1;
      else chunk += `${line}\n`;
    }
    try {
      const file = await handle;
      if (chunk !== "") {
        await file.appendFile(this.#atLineStart ? chunk : `\n${chunk}`);
        this.#atLineStart = true;
      }
    } catch (error) {
      // Part of the chunk may have reached the file: it is opened afresh for the next records, and its end read again.
      if (this.#handle === handle) this.#handle = undefined;
      await handle.then((file) => file.close()).catch(noop);
      throw error;
    }
    if (lost > 0) throw new Error(`${lost} audit record(s) could not be written: JSON cannot hold them`);
  }

  async close(): Promise<void> {
    this.#closed = true;
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
