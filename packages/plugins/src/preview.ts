import { isCortexError, isPlainObject, withDeadline } from "@cortex/primitives";
import type { CallHost } from "./call.js";
import { messageText, PluginNotReadyError, PreviewFailedError } from "./errors.js";
import type { ActionPreview, Plugin, Principal } from "./models.js";
import type { PluginEntry } from "./registration.js";

/** Options of `registry.preview`. */
export interface PreviewOptions {
  /** Aborting it rejects the preview with `CORTEX_PREVIEW_FAILED`; the plugin's `context.signal` aborts too. */
  signal?: AbortSignal;
  /** Who asks; handed to the plugin as `context.principal`. */
  principal?: Principal;
  /** Overrides the registry's `timeoutMs` for this preview. */
  timeoutMs?: number;
  /** Correlation id passed to the plugin as `context.callId`; default `<plugin>.<action>#preview`. */
  callId?: string;
}

/**
 * Runs the plugin's `preview` for params already validated, within
 * `timeoutMs` and until `options.signal` aborts. Resolves to `undefined`
 * when the plugin has no preview for the action; to the preview as its JSON
 * form, every secret the registry handed out removed; rejects with
 * `CORTEX_PREVIEW_FAILED` when the preview throws, times out, is aborted or
 * is not `{ summary: string, diff?: string, details?: object }` of JSON data.
 */
export async function runPreview(
  host: CallHost,
  entry: { readonly name: string; readonly plugin: Plugin },
  action: string,
  params: Record<string, unknown>,
  timeoutMs: number,
  options: PreviewOptions,
): Promise<ActionPreview | undefined> {
  const { plugin, name } = entry;
  if (typeof plugin.preview !== "function") return undefined;
  const fail = (detail: string, cause?: unknown) =>
    new PreviewFailedError(name, action, host.redactor.text(detail), host.redactor.error(cause));
  let out: unknown;
  try {
    out = await withDeadline(
      (signal) =>
        plugin.preview?.(action, params, {
          signal,
          callId: options.callId ?? `${name}.${action}#preview`,
          ...(options.principal === undefined ? {} : { principal: options.principal }),
        }),
      {
        timeoutMs,
        ...(options.signal === undefined ? {} : { signal: options.signal }),
        timeoutError: (ms) => fail(`did not finish within ${ms} ms`),
        abortError: (reason) => fail(`the caller aborted it: ${messageText(reason)}`, reason),
      },
    );
  } catch (error) {
    if (isCortexError(error) && error.code === "CORTEX_PREVIEW_FAILED") throw error;
    throw fail(`it threw: ${messageText(error)}`, error);
  }
  if (out === undefined) return undefined;
  let copy: unknown;
  try {
    copy = host.redactor.parse(JSON.stringify(out) ?? "null");
  } catch (error) {
    throw fail(`it returned something that is not JSON data (${messageText(error)})`);
  }
  if (!isPreview(copy))
    throw fail("it returned something that is not { summary: string, diff?: string, details?: object }");
  return copy;
}

function isPreview(value: unknown): value is ActionPreview {
  if (!isPlainObject(value) || typeof value.summary !== "string") return false;
  if (value.diff !== undefined && typeof value.diff !== "string") return false;
  return value.details === undefined || isPlainObject(value.details);
}

/** The preview of a validated call (see {@link runPreview}), its plugin set up first (`CORTEX_PLUGIN_NOT_READY` when that fails). */
export async function previewReady(
  host: CallHost,
  entry: PluginEntry,
  action: string,
  args: Record<string, unknown>,
  timeoutMs: number,
  options: PreviewOptions,
  setup: () => Promise<void>,
): Promise<ActionPreview | undefined> {
  if (typeof entry.plugin.preview !== "function") return undefined;
  if (entry.state === "pending") await setup();
  if (entry.state !== "ready") {
    const why = entry.state === "failed" ? `setup failed: ${messageText(entry.setupError)}` : `it is ${entry.state}`;
    throw new PluginNotReadyError(entry.name, `plugin "${entry.name}" is not ready: ${why}`, entry.setupError);
  }
  return runPreview(host, entry, action, structuredClone(args), timeoutMs, options);
}
