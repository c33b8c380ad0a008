import { randomBytes } from "node:crypto";
import { open, rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

/** Options of {@link writeFileAtomic}. */
export interface AtomicWriteOptions {
  /** Permission bits of the file written. Default `0o600`: only the owner reads what Cortex stores. */
  mode?: number;
  /** Flush the data to disk before the rename, so a power loss leaves the old file or the new one. Default true. */
  sync?: boolean;
  /** When it is aborted before the rename, nothing is written (the temporary file is removed). */
  signal?: AbortSignal;
}

/**
 * Writes `data` to `file` atomically: into a temporary file beside it
 * (created exclusively, with `mode`), then renamed over `file`. Readers
 * see the old content or the new, never part of it; the temporary file is
 * removed when anything fails. `file` itself is replaced: a symbolic link
 * at `file` is replaced by the file, so resolve it first to write through it.
 */
export async function writeFileAtomic(
  file: string,
  data: string | Uint8Array,
  options: AtomicWriteOptions = {},
): Promise<void> {
  const { mode = 0o600, sync = true, signal } = options;
  signal?.throwIfAborted();
  const temp = join(dirname(file), `.${basename(file).slice(0, 64)}.${randomBytes(6).toString("hex")}.tmp`);
  try {
    const handle = await open(temp, "wx", mode);
    try {
      await handle.writeFile(data);
      // The creation mode is masked by the umask; the file must end up with exactly `mode`.
      await handle.chmod(mode);
      if (sync) await handle.sync();
    } finally {
      await handle.close();
    }
    signal?.throwIfAborted();
    await rename(temp, file);
  } catch (error) {
    await rm(temp, { force: true }).catch(() => undefined);
    throw error;
  }
}
