import { isPlainObject, toErrorInfo, withDeadline, type ErrorInfo } from "@cortex/primitives";

/** What a plugin's preview says a call would do. */
export interface ActionPreview {
  /** One line, always shown. */
  summary: string;
  /** A unified diff of what the call would change, shown as a diff. */
  diff?: string;
  /** Anything else the plugin wants shown, as JSON. */
  details?: unknown;
}

/** What the server needs to show previews: a plugin registry that can preview a call (feature-detected). */
export interface PreviewSource {
  preview?(plugin: string, action: string, params: Record<string, unknown>): unknown;
}

/** A preview, why there is none, or that the plugin offers none. */
export type PreviewView = { preview: ActionPreview } | { error: ErrorInfo } | { none: true };

const MAX_DIFF = 256 * 1024;

/** Details as plain JSON (what the page shows), or a note when they cannot be. */
function asJson(details: unknown): unknown {
  try {
    return JSON.parse(JSON.stringify(details)) as unknown;
  } catch {
    return "(details that are not JSON)";
  }
}

/** The preview of a call, within `timeoutMs`; never rejects. A source without `preview` offers none. */
export async function previewOf(
  source: PreviewSource | undefined,
  call: { plugin: string; action: string; params: Record<string, unknown> },
  timeoutMs: number,
): Promise<PreviewView> {
  if (typeof source?.preview !== "function") return { none: true };
  try {
    const value: unknown = await withDeadline(
      Promise.resolve().then(() => source.preview!(call.plugin, call.action, structuredClone(call.params))),
      { timeoutMs },
    );
    if (value === undefined || value === null) return { none: true };
    if (!isPlainObject(value) || typeof value.summary !== "string")
      return {
        error: { code: "CORTEX_SERVER_INTERNAL", message: "the plugin's preview is not { summary, diff?, details? }" },
      };
    const preview: ActionPreview = { summary: value.summary };
    if (typeof value.diff === "string")
      preview.diff = value.diff.length > MAX_DIFF ? `${value.diff.slice(0, MAX_DIFF)}\n… (cut)` : value.diff;
    if (value.details !== undefined) preview.details = asJson(value.details);
    return { preview };
  } catch (error) {
    return { error: toErrorInfo(error, "CORTEX_SERVER_INTERNAL") };
  }
}
