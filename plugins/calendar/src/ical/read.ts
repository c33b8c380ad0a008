import ICAL from "ical.js";
import { messageOf } from "@cortex/primitives";
import { CALENDAR_LIMITS } from "../defaults.js";
import { CalendarFailure } from "../errors.js";
import { newCalendar } from "./write.js";

type Component = ICAL.Component;

// Parameters whose values ical.js reads as several quoted strings ("a","b").
const QUOTED_LISTS = new Set(["delegated-from", "delegated-to", "member"]);

/**
 * Where the scan of a content line's name and parameters is; `loose` once
 * the line strays from RFC 5545's grammar, after which it is bounded as a whole.
 */
type At = "name" | "param-name" | "param-value" | "text" | "quoted" | "after-quote" | "value" | "loose";

/**
 * Refuses, in one linear pass, the content lines ical.js's parser would
 * spend more than linear time on: it scans from each parameter to the
 * value's `:` again, so many parameters before a far `:` cost their
 * product. A line whose name and parameters follow RFC 5545 may have at
 * most `maxParameters` parameters in `maxParameterChars` characters (where
 * ical.js and RFC 5545 agree on where the value starts); any other line is
 * bounded as a whole by the same numbers (its characters and its `=`).
 * Lines are unfolded as ical.js does (LF or CRLF ends a line; a space or
 * tab continues it). Throws `CORTEX_CALENDAR_TOO_COMPLEX` naming the line.
 */
function checkLines(text: string, where: string): void {
  const { maxParameters, maxParameterChars } = CALENDAR_LIMITS;
  let line = 0;
  let physical = 0;
  let at: At = "value";
  let chars = 0;
  let params = 0;
  let equals = 0;
  let name = "";
  const refuse = (what: string): never => {
    throw new CalendarFailure(
      "CORTEX_CALENDAR_TOO_COMPLEX",
      `${where}: the content line starting on line ${line} has ${what}; the plugin reads at most ` +
        `${maxParameters} parameters in ${maxParameterChars} characters before a value`,
    );
  };
  for (let pos = 0; pos < text.length;) {
    let end = text.indexOf("\n", pos);
    if (end === -1) end = text.length;
    physical += 1;
    let i = pos;
    if (text[pos] === " " || text[pos] === "\t") i += 1;
    else {
      line = physical;
      at = "name";
      chars = params = equals = 0;
    }
    for (; i < end && at !== "value"; i += 1) {
      const c = text[i]!;
      if (++chars > maxParameterChars) refuse(`more than ${maxParameterChars} characters before its value`);
      if (c === "=" && ++equals > maxParameters && at === "loose") refuse(`more than ${maxParameters} "="`);
      switch (at) {
        case "name":
        case "text":
          if (c === ";") at = "param-name";
          else if (c === ":") at = "value";
          else if (c === '"' && at === "text") at = "loose";
          break;
        case "param-name":
          if (c === "=") at = "param-value";
          else if (c === ";" || c === ":" || c === '"') at = "loose";
          else name += c;
          break;
        case "param-value":
          at = c === '"' ? "quoted" : c === ";" ? "param-name" : c === ":" ? "value" : "text";
          break;
        case "quoted":
          if (c === '"') at = "after-quote";
          break;
        case "after-quote":
          if (c === ";") at = "param-name";
          else if (c === ":") at = "value";
          else if (c === "," && text[i + 1] === '"' && QUOTED_LISTS.has(name.toLowerCase())) {
            at = "quoted";
            i += 1;
          } else at = "loose";
          break;
        case "loose":
          break;
      }
      if (at === "param-name" && c === ";") {
        name = "";
        if (++params > maxParameters) refuse(`more than ${maxParameters} parameters`);
      }
    }
    pos = end + 1;
  }
}

/**
 * Parses iCalendar text with ical.js into its root components: every
 * VCALENDAR of the stream (RFC 5545 allows several in one file), plus any
 * other root component, kept so that writing the file back loses nothing.
 * A leading UTF-8 byte order mark is ignored; empty text is one empty
 * calendar. Parsing is linear in the text (see `checkLines`); nothing is
 * computed from the dates it holds. Throws `CORTEX_CALENDAR_TOO_COMPLEX` or
 * `CORTEX_CALENDAR_FILE_INVALID` naming `where` when the text is refused,
 * does not parse, or holds no VCALENDAR.
 */
export function parseCalendars(text: string, where: string): Component[] {
  const body = text.startsWith("\uFEFF") ? text.slice(1) : text;
  if (!/\S/.test(body)) return [newCalendar()];
  checkLines(body, where);
  let roots: Component[];
  try {
    const jcal = ICAL.parse(body) as unknown[];
    const list = typeof jcal[0] === "string" ? [jcal] : jcal;
    roots = list.map((root) => new ICAL.Component(root as never));
  } catch (error) {
    throw new CalendarFailure(
      "CORTEX_CALENDAR_FILE_INVALID",
      `${where} is not valid iCalendar: ${messageOf(error).slice(0, 200)}`,
      {
        cause: error,
      },
    );
  }
  if (!roots.some((c) => c.name === "vcalendar")) {
    throw new CalendarFailure("CORTEX_CALENDAR_FILE_INVALID", `${where} holds no VCALENDAR`);
  }
  return roots;
}

/** The first VCALENDAR of iCalendar text (a CalDAV object holds one); see `parseCalendars`. */
export function parseCalendar(text: string, where: string): Component {
  return parseCalendars(text, where).find((c) => c.name === "vcalendar")!;
}
