import { open } from "node:fs/promises";

/** One line of a JSON-lines file, with its byte position. */
export interface FileLine {
  /** The line's text, without its newline. */
  text: string;
  /** 1-based line number, counted from `start`. */
  line: number;
  /** Byte offset of the line's first byte. */
  offset: number;
  /** Byte offset just past its newline (or past its last byte, when it has none). */
  end: number;
  /** False for a last line without a newline: a write still going on, or one cut off. */
  complete: boolean;
}

const CHUNK = 64 * 1024;
const NEWLINE = 0x0a;

/**
 * The lines of a file from byte `start`, read in chunks, each with its byte
 * range, so a reader can come back later for only what was appended. A
 * missing file has no lines.
 */
export async function* fileLines(path: string, start = 0): AsyncGenerator<FileLine> {
  let handle;
  try {
    handle = await open(path, "r");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
    throw error;
  }
  try {
    let position = start;
    let pending: Buffer[] = [];
    let pendingStart = start;
    let line = 0;
    const buffer = Buffer.allocUnsafe(CHUNK);
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, CHUNK, position);
      if (bytesRead === 0) break;
      const chunk = buffer.subarray(0, bytesRead);
      let from = 0;
      for (let at = chunk.indexOf(NEWLINE); at !== -1; at = chunk.indexOf(NEWLINE, from)) {
        pending.push(chunk.subarray(from, at));
        const text = Buffer.concat(pending).toString("utf8");
        const end = position + at + 1;
        yield { text, line: ++line, offset: pendingStart, end, complete: true };
        pending = [];
        pendingStart = end;
        from = at + 1;
      }
      // The read buffer is reused: keep a copy of the unfinished line.
      if (from < bytesRead) pending.push(Buffer.from(chunk.subarray(from)));
      position += bytesRead;
    }
    if (pending.length > 0) {
      const text = Buffer.concat(pending).toString("utf8");
      yield { text, line: ++line, offset: pendingStart, end: position, complete: false };
    }
  } finally {
    await handle.close();
  }
}
