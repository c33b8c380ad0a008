import { inspect } from "node:util";
import { isCortexError } from "@cortex/primitives";
import { CLI_DEFAULTS } from "./defaults.js";
import { hintForCode, hintOf } from "./hints.js";
import { text, type Printer } from "./printer.js";

/** One-line JSON of a value, cut to `max` characters. */
export function compact(value: unknown, max: number = CLI_DEFAULTS.compactWidth): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = inspect(value, { depth: 2, breakLength: Infinity });
  }
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function labelOf(item: unknown): string | undefined {
  if (typeof item !== "object" || item === null) return typeof item === "string" ? item : undefined;
  const { title, name, path, id } = item as Record<string, unknown>;
  const label = [title, name, path, id].find((v) => typeof v === "string");
  return typeof label === "string" ? label : undefined;
}

/**
 * A short description of an action's result data: a listing (an array, or
 * an object's first array of named items) as `3 events: a, b, c`, anything
 * else as one-line JSON.
 */
export function summarize(data: unknown, max: number = CLI_DEFAULTS.compactWidth): string {
  const entry = Array.isArray(data)
    ? (["items", data] as const)
    : typeof data === "object" && data !== null
      ? Object.entries(data).find(([, v]) => Array.isArray(v) && v.length > 0 && labelOf(v[0]) !== undefined)
      : undefined;
  if (entry === undefined) return compact(data, max);
  const [key, list] = entry as [string, unknown[]];
  const labels = list.map(labelOf).filter((l): l is string => l !== undefined);
  return compact(`${list.length} ${key}: ${labels.join(", ")}`, max).replace(/^"|"$/g, "");
}

/** Word-wraps text to `width` columns, each line prefixed with `indent`. */
export function wrap(text: string, width: number = CLI_DEFAULTS.wrapWidth, indent = "  "): string[] {
  const lines: string[] = [];
  for (const paragraph of text.split("\n")) {
    let line = "";
    for (const word of paragraph.split(/\s+/).filter(Boolean)) {
      if (line !== "" && line.length + 1 + word.length > width) {
        lines.push(indent + line);
        line = word;
      } else {
        line = line === "" ? word : `${line} ${word}`;
      }
    }
    lines.push(indent + line);
  }
  return lines;
}

/** Milliseconds in a short human form. */
export function duration(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(2)} s`;
}

interface Issue {
  path: string;
  message: string;
}

function issuesOf(error: unknown): Issue[] {
  const issues = (error as { issues?: unknown }).issues;
  if (!Array.isArray(issues)) return [];
  return issues.filter(
    (i): i is Issue => typeof i === "object" && i !== null && typeof (i as Issue).message === "string",
  );
}

/** Prints a validation error's problems one per line: `  /pointer: message`. */
export function printIssues(p: Printer, issues: readonly Issue[], indent = "  "): void {
  for (const issue of issues) p.line(text`${indent}${p.style("yellow", issue.path || "(params)")}: ${issue.message}`);
}

/**
 * The top-level error line, `error [CODE]: message`, plus the problems of a
 * validation error field by field and an optional hint. Never a stack trace.
 */
export function printError(p: Printer, error: unknown, hint?: string): void {
  const code = codeOf(error);
  const issues = issuesOf(error);
  const raw = (error as { message?: unknown } | null)?.message;
  let message = typeof raw === "string" ? raw : String(error);
  const where = error as { plugin?: unknown; action?: unknown };
  if (issues.length > 0 && typeof where.plugin === "string" && typeof where.action === "string") {
    message = `invalid parameters for "${where.plugin}.${where.action}":`;
  }
  p.line(text`${p.style(["red", "bold"], "error")} ${p.style("dim", `[${code}]`)}: ${message}`);
  printIssues(p, issues);
  const help = hint ?? hintOf(error) ?? hintForCode(code);
  if (help) p.line(text`${p.style("dim", `hint: ${help}`)}`);
}

/** A warning line, `warning [CODE]: message`, for a problem that did not stop the command. */
export function printWarning(p: Printer, code: string, message: string): void {
  p.line(text`${p.style("yellow", "warning")} ${p.style("dim", `[${code}]`)}: ${message}`);
}

/** The Cortex code of an error or of a plain `{ code, message }` failure; `CORTEX_CLI_INTERNAL` for anything else. */
export function codeOf(error: unknown): string {
  if (isCortexError(error)) return error.code;
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && code.startsWith("CORTEX_") ? code : "CORTEX_CLI_INTERNAL";
}
