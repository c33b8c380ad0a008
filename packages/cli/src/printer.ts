import { styleText } from "node:util";
import type { CliIO, OutputStream } from "./io.js";

// What untrusted text (from a plugin, a model, a server) may not carry to a
// terminal: C0 controls (ESC starts every escape sequence), DEL and C1
// controls (U+009B is a one-byte CSI) can move the cursor, clear, hide or
// recolour what follows; bidirectional overrides, embeddings, isolates and
// marks can make a reader see text in another order than it runs.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;
const BIDI = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
// Line and paragraph separators end a line in some terminals and viewers.
const BREAK = /[\t\n\r\u0085\u2028\u2029]/g;
const BLOCK_LINES = /\r\n|[\n\r\u0085\u2028\u2029]/;
// What JSON.stringify leaves raw inside strings though it is no text to show.
const JSON_RAW = /[\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]/g;

/** One line of untrusted text, safe for a terminal: tabs and line breaks become spaces; other controls and bidi marks are removed. */
export function inlineText(value: string): string {
  return value.replace(BREAK, " ").replace(CONTROL, "").replace(BIDI, "");
}

/** Untrusted text of several lines (a model's answer), one safe line each (see {@link inlineText}). */
export function blockLines(value: string): string[] {
  return value.split(BLOCK_LINES).map(inlineText);
}

/**
 * `value` as indented JSON that a terminal shows as text: JSON already
 * escapes C0 controls; DEL, C1 controls, bidi marks and line separators are
 * escaped too (`\u009b`), so it parses to the same value.
 */
export function safeJson(value: unknown, indent = 2): string {
  const json = JSON.stringify(value, null, indent) ?? "undefined";
  return json.replace(JSON_RAW, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

const BRAND: unique symbol = Symbol("cortex.cli.safe-text");

/**
 * Text a printer writes as it is. Only this module makes one: from the
 * literal parts of a template, styles, and values it has cleaned, so text
 * from a plugin or a model cannot reach a stream without being cleaned.
 */
export interface SafeText {
  readonly [BRAND]: string;
}

// Not exported: outside this module, safe text comes only from cleaning.
function trusted(value: string): SafeText {
  return { [BRAND]: value };
}

function isSafeText(value: unknown): value is SafeText {
  return typeof value === "object" && value !== null && BRAND in value;
}

function raw(value: SafeText): string {
  return value[BRAND];
}

/** The characters of safe text, for an API that takes a string (a readline prompt). */
export function plainText(value: SafeText): string {
  return value[BRAND];
}

/** A value as one safe line: safe text as it is, anything else cleaned (see {@link inlineText}). */
export function toSafe(value: unknown): SafeText {
  if (isSafeText(value)) return value;
  return trusted(inlineText(typeof value === "string" ? value : String(value)));
}

/**
 * A line from a template: its literal parts as written in the code, each
 * `${value}` cleaned unless it is already safe text. The only way to put
 * a value into what the CLI prints.
 */
export function text(strings: TemplateStringsArray, ...values: unknown[]): SafeText {
  let out = strings[0] ?? "";
  values.forEach((value, i) => {
    out += raw(toSafe(value)) + (strings[i + 1] ?? "");
  });
  return trusted(out);
}

/** Values joined by a literal separator, each cleaned unless already safe. */
export function joinText(values: readonly unknown[], separator: string): SafeText {
  return trusted(values.map((value) => raw(toSafe(value))).join(separator));
}

/** A value cleaned, then padded with spaces to `width` characters (for columns). */
export function padText(value: unknown, width: number): SafeText {
  return trusted(raw(toSafe(value)).padEnd(width));
}

/** The length of a value once cleaned, to size columns. */
export function textWidth(value: unknown): number {
  return raw(toSafe(value)).length;
}

type Style = "bold" | "dim" | "red" | "green" | "yellow" | "cyan" | "magenta";

/** SGR reset: ends any colour or attribute (such as conceal) that text printed earlier left on. */
const RESET = "\u001b[0m";

/**
 * Writes lines to one stream, with colours only when they will be seen on a
 * terminal. It writes only safe text: a template's literal parts, styles,
 * and values it cleans on the way (see {@link text}), so every string a
 * plugin or a model controls is printed without control characters or
 * bidirectional marks, whatever the stream.
 */
export class Printer {
  /** Whether styles are written as colours. */
  readonly color: boolean;
  readonly #stream: OutputStream;

  constructor(stream: OutputStream, color?: boolean, env: Record<string, string | undefined> = {}) {
    this.#stream = stream;
    this.color = color ?? (stream.isTTY === true && !env.NO_COLOR && env.TERM !== "dumb");
  }

  /**
   * Writes one line (a newline is added): safe text, made with
   * `text\`literal ${value}\`` (each value cleaned), a style or a join;
   * without an argument, an empty line.
   */
  line(value?: SafeText): void {
    this.#stream.write(`${value === undefined ? "" : raw(value)}\n`);
  }

  /** Untrusted text of several lines (a model's answer), each cleaned and put after `indent`. */
  block(value: string, indent = ""): void {
    for (const line of blockLines(value)) this.#stream.write(`${indent}${line}\n`);
  }

  /**
   * Untrusted text as it streams in (a model's answer, delta by delta), with
   * no newline added: line breaks are kept, each line cleaned like
   * {@link block}'s.
   */
  text(value: string): void {
    if (value !== "") this.#stream.write(blockLines(value).join("\n"));
  }

  /** A value as one line of compact JSON (a JSON Lines record), cleaned like {@link json}'s. */
  jsonLine(value: unknown): void {
    this.#stream.write(`${safeJson(value, 0)}\n`);
  }

  /** A value (cleaned unless already safe) in a style, when colours are on. */
  style(style: Style | Style[], value: unknown): SafeText {
    const inner = raw(toSafe(value));
    return trusted(this.color ? styleText(style, inner, { validateStream: false }) : inner);
  }

  /** Writes a value as indented JSON, still valid JSON, with nothing a terminal would act on (see {@link safeJson}). */
  json(value: unknown): void {
    this.#stream.write(`${safeJson(value)}\n`);
  }

  /** Ends, on a colour terminal, any colour or attribute that text printed earlier left on. */
  reset(): void {
    if (this.color) this.#stream.write(RESET);
  }
}

/** The two printers of a command: results on stdout, diagnostics on stderr. */
export interface Printers {
  out: Printer;
  err: Printer;
}

/** The printers for an IO: stdout for results, stderr for progress, prompts and errors. */
export function printersFor(io: CliIO): Printers {
  return { out: new Printer(io.stdout, io.color, io.env), err: new Printer(io.stderr, io.color, io.env) };
}
