import { hookMethodName, type Extension, type HookName } from "@cortex/hooks";
import { AUDIT_LINES, type AuditEvent } from "./audit-records.js";

/** Where audit records go. */
export interface AuditRecorder {
  /**
   * Takes one record. It may return a promise, which the hook bus waits for on flush; a recorder
   * that writes in batches may return the same promise for every record of a batch, and it is
   * then tracked, and a rejection counted, once for the batch.
   */
  record(event: AuditEvent): void | Promise<void>;
  /**
   * Takes one record as JSON text (one line, no line break). A recorder that
   * stores JSON has it: `AuditExtension` then hands it each record's text,
   * written straight from the hook's event, never building the object.
   */
  recordJson?(json: string): void | Promise<void>;
  /** Writes out what is buffered and releases resources; called on the `shutdown` hook. */
  close?(): Promise<void>;
}

let lastMs = -1;
let lastIso = "";

/** The current time in ISO 8601, formatted once per millisecond however many records share it. */
function isoNow(): string {
  const ms = Date.now();
  if (ms !== lastMs) {
    lastMs = ms;
    lastIso = new Date(ms).toISOString();
  }
  return lastIso;
}

/**
 * Turns every hook into an audit record for a pluggable recorder: as JSON
 * text for a recorder with `recordJson`, as an object (the same record, as
 * that text reads back) for any other. Raw run
 * input is never written (its length is), nor tool argument values (their
 * names are); credentials never reach hook events from the registry. On the
 * `shutdown` hook the recorder is closed, so `engine.shutdown()` — which
 * flushes the hook bus — returns only when every record is written.
 */
export class AuditExtension implements Extension {
  readonly name: string;
  readonly #recorder: AuditRecorder;
  readonly #json: boolean;
  #lastWritten: void | Promise<void> = undefined;

  constructor(options: { recorder: AuditRecorder; name?: string }) {
    this.name = options.name ?? "audit";
    this.#recorder = options.recorder;
    this.#json = typeof options.recorder.recordJson === "function";
    for (const hook of Object.keys(AUDIT_LINES) as HookName[]) {
      const method = hookMethodName(hook);
      const line = AUDIT_LINES[hook] as (event: never, at: string) => string;
      Object.defineProperty(this, method, {
        value: (event: never) => {
          const written = this.#write(line(event, isoNow()));
          if (hook !== "shutdown") {
            // A recorder that batches returns one promise for all the records of a batch: the bus
            // tracks it once (it settles for all of them), not once per record.
            if (written === this.#lastWritten) return undefined;
            this.#lastWritten = written;
            return written;
          }
          // The recorder is closed even when the last record failed; that failure is still reported.
          const close = () => this.#recorder.close?.();
          return Promise.resolve(written).then(close, async (error: unknown) => {
            await close();
            throw error;
          });
        },
      });
    }
  }

  #write(line: string): void | Promise<void> {
    return this.#json ? this.#recorder.recordJson!(line) : this.#recorder.record(JSON.parse(line) as AuditEvent);
  }
}
