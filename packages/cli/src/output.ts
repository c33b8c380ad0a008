import { inspect, styleText } from "node:util";
import { isCortexError } from "./errors.js";
import { hintForCode, hintOf } from "./hints.js";
import type { CliIO, OutputStream } from "./io.js";

type Style = "bold" | "dim" | "red" | "green" | "yellow" | "cyan" | "magenta";

// C0 controls but tab and newline, DEL, and C1 controls: what can move the cursor, hide or recolour what follows.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

/** Text with every C0/C1 control character removed except newline and tab, so it cannot drive a terminal. */
export function stripControl(text: string): string {
  return text.replace(CONTROL, "");
}

/** SGR reset: ends any colour or attribute (such as conceal) that text printed earlier left on. */
export const RESET = "\u001b[0m";

/** Writes lines to one stream, with colours only when they will be seen on a terminal. */
export class Printer {
  readonly color: boolean;
  /** Whether {@link Printer.clean} strips control characters: by default when the stream is a terminal. */
  readonly sanitize: boolean;

  constructor(
    readonly stream: OutputStream,
    color?: boolean,
    env: Record<string, string | undefined> = {},
    sanitize?: boolean,
  ) {
    this.color = color ?? (stream.isTTY === true && !env.NO_COLOR && env.TERM !== "dumb");
    this.sanitize = sanitize ?? (stream.isTTY === true || this.color);
  }

  /**
   * Text from a model, a plugin or a server, made safe to show: without
   * control characters (escape sequences) when this stream is for people.
   */
  clean(text: string): string {
    return this.sanitize ? stripControl(text) : text;
  }

  /** Writes one line (a newline is added). */
  line(text = ""): void {
    this.stream.write(`${text}\n`);
  }

  /** Wraps `text` in a style when colours are on. */
  style(style: Style | Style[], text: string): string {
    return this.color ? styleText(style, text, { validateStream: false }) : text;
  }

  /** Writes a value as indented JSON (JSON escapes C0 controls; C1 ones are stripped on a terminal). */
  json(value: unknown): void {
    this.line(this.clean(JSON.stringify(value, null, 2)));
  }
}

/** The two printers of a command: results on stdout, diagnostics on stderr. */
export interface Printers {
  out: Printer;
  err: Printer;
}

/**
 * Printers for an IO. Stderr (progress, prompts, errors) is always for
 * people, so text from models and plugins is stripped of control
 * characters there; stdout only when it is a terminal (a pipe gets the data as is).
 */
export function printersFor(io: CliIO): Printers {
  return { out: new Printer(io.stdout, io.color, io.env), err: new Printer(io.stderr, io.color, io.env, true) };
}

/** One-line JSON of a value, cut to `max` characters. */
export function compact(value: unknown, max = 160): string {
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
export function summarize(data: unknown, max = 160): string {
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
export function wrap(text: string, width = 96, indent = "  "): string[] {
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
export function printIssues(p: Printer, issues: readonly Issue[]): void {
  for (const issue of issues)
    p.line(`  ${p.style("yellow", p.clean(issue.path || "(params)"))}: ${p.clean(issue.message)}`);
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
  p.line(`${p.style(["red", "bold"], "error")} ${p.style("dim", `[${p.clean(code)}]`)}: ${p.clean(message)}`);
  printIssues(p, issues);
  const help = hint ?? hintOf(error) ?? hintForCode(code);
  if (help) p.line(p.style("dim", `hint: ${p.clean(help)}`));
}

/** The Cortex code of an error or of a plain `{ code, message }` failure; `CORTEX_CLI_INTERNAL` for anything else. */
export function codeOf(error: unknown): string {
  if (isCortexError(error)) return error.code;
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && code.startsWith("CORTEX_") ? code : "CORTEX_CLI_INTERNAL";
}
