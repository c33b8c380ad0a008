import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * A vitest global setup that gives one package's test run a temp folder of
 * its own: `TMPDIR` names it while the tests run, so every `os.tmpdir()` in
 * the tests, their workers and the processes they start lands in it, and it
 * is removed with everything in it when the run ends. Tests then make temp
 * folders freely without each removing its own, and a run leaves nothing in
 * the system's temp folder (unless `CORTEX_KEEP_TEMP` is set).
 */
export default async function setup(): Promise<() => Promise<void>> {
  const before = process.env.TMPDIR;
  const root = await mkdtemp(join(tmpdir(), "cortex-tests-"));
  process.env.TMPDIR = root;
  return async () => {
    if (before === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = before;
    // Kept to look at a failure: CORTEX_KEEP_TEMP, or CORTEX_E2E_KEEP for the e2e projects inside it.
    if (process.env.CORTEX_KEEP_TEMP || process.env.CORTEX_E2E_KEEP) {
      console.info(`The temp files of this test run are kept in ${root}`);
      return;
    }
    await rm(root, { recursive: true, force: true });
  };
}
