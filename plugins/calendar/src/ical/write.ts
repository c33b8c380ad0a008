import ICAL from "ical.js";
import { CalendarFailure } from "../errors.js";

type Component = ICAL.Component;

/** PRODID written into every calendar this plugin creates. */
export const PRODID = "-//Cortex//plugin-calendar//EN";

/** A new, empty VCALENDAR (VERSION 2.0, this plugin's PRODID). */
export function newCalendar(): Component {
  const cal = new ICAL.Component(["vcalendar", [], []]);
  cal.addPropertyWithValue("prodid", PRODID);
  cal.addPropertyWithValue("version", "2.0");
  cal.addPropertyWithValue("calscale", "GREGORIAN");
  return cal;
}

// What some parser somewhere reads as the end of a line: CR, LF, VT, FF,
// NEL, LINE SEPARATOR, PARAGRAPH SEPARATOR (CRLF counts once).
const LINE_BREAK = /\r\n|[\n\v\f\r\u0085\u2028\u2029]/g;
// Other control characters (TAB excepted), which RFC 5545 allows in no value.
const CONTROL = /(?![\t\n\v\f\r\u0085])\p{Cc}/u;
const CONTROLS = /(?![\t\n\v\f\r\u0085])\p{Cc}/gu;

/**
 * Text the plugin is asked to write (a title, a description, an address):
 * every kind of line break becomes one LF, which iCalendar TEXT stores as
 * `\n`. Throws `CORTEX_CALENDAR_INVALID_TEXT` naming `field` for any other
 * control character (NUL, ESC, …), which no iCalendar value may hold.
 */
export function cleanText(field: string, value: string): string {
  const control = CONTROL.exec(value);
  if (control !== null) {
    const code = control[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, "0");
    throw new CalendarFailure(
      "CORTEX_CALENDAR_INVALID_TEXT",
      `${field} holds the control character U+${code} at position ${control.index}; remove it (line breaks and tabs are fine)`,
    );
  }
  return value.replace(LINE_BREAK, "\n");
}

/**
 * One unfolded content line as it may be written: whatever line break is
 * left (from a value another program wrote, from a name or parameter
 * ical.js kept as it was) becomes the TEXT escape `\n`, and other control
 * characters are dropped, so no value can start a line of its own in any
 * reader.
 */
function safeLine(line: string): string {
  // ical.js escaped the LF of a CRLF in a TEXT value already: its CR goes.
  return line
    .replace(/\r(?=\\n)/g, "")
    .replace(LINE_BREAK, "\\n")
    .replace(CONTROLS, "");
}

// RFC 5545 names (of components, properties, parameters and value types).
const NAME = /^[A-Za-z0-9-]+$/;

/** A name as RFC 5545 allows it: any other character becomes `-`. */
function safeName(name: unknown): string {
  const text = String(name);
  return NAME.test(text) ? text : text.replace(/[^A-Za-z0-9-]/g, "-") || "X-";
}

// A parameter value's line breaks become LF, which ical.js writes as RFC 6868's `^n`.
const paramValue = (value: unknown): unknown =>
  typeof value === "string" ? value.replace(LINE_BREAK, "\n") : Array.isArray(value) ? value.map(paramValue) : value;

const hasBreak = (value: unknown): boolean =>
  typeof value === "string" ? /[\r\v\f\u0085\u2028\u2029]/.test(value) : Array.isArray(value) && value.some(hasBreak);

/**
 * A jCal property ready for ical.js to write: its name, parameter names and
 * value type RFC 5545 names, and its parameter values with LF for every
 * kind of line break (a copy only when something had to change).
 */
function writable(property: unknown[]): unknown[] {
  const [name, params, type, ...values] = property as [unknown, Record<string, unknown>, unknown, ...unknown[]];
  const keys = Object.keys(params);
  const clean =
    NAME.test(String(name)) && NAME.test(String(type)) && keys.every((key) => NAME.test(key) && !hasBreak(params[key]));
  if (clean) return property;
  const safeParams: Record<string, unknown> = {};
  for (const key of keys) safeParams[safeName(key)] = paramValue(params[key]);
  return [safeName(name), safeParams, safeName(type), ...values];
}

/**
 * Folds a content line as RFC 5545 asks: lines of at most 75 octets of
 * UTF-8, continuation lines starting with one space, never inside a
 * character's UTF-8 sequence (a surrogate pair stays whole).
 */
export function foldLine(line: string): string {
  let out = "";
  let start = 0;
  let octets = 0;
  let limit = 75;
  for (let i = 0; i < line.length;) {
    const code = line.charCodeAt(i);
    const pair =
      code >= 0xd800 && code <= 0xdbff && i + 1 < line.length && (line.charCodeAt(i + 1) & 0xfc00) === 0xdc00;
    const width = code < 0x80 ? 1 : code < 0x800 ? 2 : pair ? 4 : 3;
    if (octets + width > limit) {
      out += (start === 0 ? "" : "\r\n ") + line.slice(start, i);
      start = i;
      octets = 0;
      limit = 74;
    }
    octets += width;
    i += pair ? 2 : 1;
  }
  return out + (start === 0 ? "" : "\r\n ") + line.slice(start);
}

/**
 * iCalendar text of the given root components, in order, each followed by
 * CRLF. Each property is written by ical.js (its value escaping, RFC 6868
 * parameter quoting) after `writable`, then made safe (see `safeLine`) and
 * folded by {@link foldLine}. Components are walked without recursion, so
 * nesting depth costs nothing but lines.
 */
export function writeCalendars(roots: readonly Component[]): string {
  const design = ICAL.design.icalendar;
  const lines: string[] = [];
  for (const root of roots) {
    // Each entry: a component's jCal, or the END line still owed for one.
    const stack: (unknown[] | string)[] = [root.jCal];
    while (stack.length > 0) {
      const item = stack.pop()!;
      if (typeof item === "string") {
        lines.push(item);
        continue;
      }
      const [name, properties, children] = item as [string, unknown[][], unknown[][]?];
      const label = safeName(name).toUpperCase();
      lines.push(foldLine(`BEGIN:${label}`));
      for (const property of properties) {
        lines.push(foldLine(safeLine(ICAL.stringify.property(writable(property), design, true))));
      }
      stack.push(foldLine(`END:${label}`));
      for (let i = (children?.length ?? 0) - 1; i >= 0; i -= 1) stack.push(children![i]!);
    }
  }
  return roots.length === 0 ? "" : lines.join("\r\n") + "\r\n";
}
