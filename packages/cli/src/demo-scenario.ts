import type { ModelClient, ModelRequest, ModelResponse } from "@cortex/primitives";

/** One turn of the scripted demo model: an answer, or a function of the request computing one. */
export type DemoStep = ModelResponse | ((request: ModelRequest) => ModelResponse);

const DAY = 86_400_000;

/** Times the demo uses, all relative to one "now" so the calendar is always about the coming week. */
export interface DemoTimes {
  /** Start of today, UTC. */
  today: Date;
  /** The listing range: today to a week later. */
  rangeStart: string;
  rangeEnd: string;
  /** The event the agent proposes: tomorrow 15:00-15:30 UTC. */
  reviewStart: string;
  reviewEnd: string;
}

/** ISO 8601 in UTC without milliseconds: `2026-06-01T09:00:00Z`. */
export function isoSeconds(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** The demo's times for a given moment. */
export function demoTimes(now: Date): DemoTimes {
  const today = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
  const at = (days: number, hours: number, minutes = 0) =>
    isoSeconds(new Date(today.getTime() + days * DAY + (hours * 60 + minutes) * 60_000));
  return {
    today,
    rangeStart: isoSeconds(today),
    rangeEnd: isoSeconds(new Date(today.getTime() + 7 * DAY)),
    reviewStart: at(1, 15),
    reviewEnd: at(1, 15, 30),
  };
}

const ICS_TIME = (iso: string) => iso.replace(/[-:]/g, "");

/** A small iCalendar file with three events in the coming days (CRLF lines, as RFC 5545 wants). */
export function demoCalendar(times: DemoTimes): string {
  const base = times.today.getTime();
  const event = (uid: string, days: number, hour: number, minutes: number, title: string, location?: string) => {
    const start = isoSeconds(new Date(base + days * DAY + hour * 3_600_000));
    const end = isoSeconds(new Date(base + days * DAY + hour * 3_600_000 + minutes * 60_000));
    return [
      "BEGIN:VEVENT",
      `UID:${uid}@demo.cortex`,
      `DTSTAMP:${ICS_TIME(isoSeconds(times.today))}`,
      `DTSTART:${ICS_TIME(start)}`,
      `DTEND:${ICS_TIME(end)}`,
      `SUMMARY:${title}`,
      ...(location ? [`LOCATION:${location}`] : []),
      "END:VEVENT",
    ];
  };
  const lines = [
    "BEGIN:VCALENDAR",
    "VERSION:2.0",
    "PRODID:-//Cortex//demo//EN",
    ...event("standup", 1, 9, 15, "Team standup", "Video call"),
    ...event("design-review", 2, 14, 60, "Design review: plugin tiers", "Room 42"),
    ...event("lunch", 3, 12, 60, "Lunch with Ada"),
    "END:VCALENDAR",
  ];
  return `${lines.join("\r\n")}\r\n`;
}

/** The file the agent writes, relative to the files plugin's root. */
export const NOTES_PATH = "week-plan.md";

/** The task the agent is given (the real model follows it; the scripted one acts it out). */
export function demoTask(times: DemoTimes): string {
  return [
    `1. List my calendar events from ${times.rangeStart} to ${times.rangeEnd} (calendar list_events).`,
    `2. Book "Cortex demo review" from ${times.reviewStart} to ${times.reviewEnd} in Room 42 (calendar create_event).`,
    `3. Write a short week plan listing those events to the file "${NOTES_PATH}" (files write).`,
    "4. Then answer with a one-paragraph summary of what you did and what was denied, if anything.",
  ].join("\n");
}

/** Instructions of the demo agent. */
export const DEMO_INSTRUCTIONS =
  "You are the Cortex demo agent. Do the numbered steps of the task in order, one tool call per step, " +
  "using the calendar and files tools. If a call is denied, do not retry it; go on with the next step " +
  "and mention the denial in your final answer.";

interface ToolOutcome {
  name: string;
  ok: boolean;
  data?: unknown;
  error?: { code?: string; message?: string };
}

/** Results of the tool calls so far, read back from the conversation as the model sees it. */
function outcomes(request: ModelRequest): ToolOutcome[] {
  return request.messages.flatMap((m): ToolOutcome[] => {
    if (m.role !== "tool") return [];
    try {
      const body = JSON.parse(m.content) as { ok?: boolean; data?: unknown; error?: ToolOutcome["error"] };
      return [{ name: m.name, ok: body.ok === true, data: body.data, ...(body.error ? { error: body.error } : {}) }];
    } catch {
      return [{ name: m.name, ok: false }];
    }
  });
}

interface ListedEvent {
  title?: string;
  start?: string;
}

function eventsOf(data: unknown): ListedEvent[] {
  const list = Array.isArray(data) ? data : (data as { events?: unknown } | null)?.events;
  return Array.isArray(list) ? (list as ListedEvent[]) : [];
}

function weekPlan(events: ListedEvent[], review: { title: string; start: string } | undefined): string {
  const all = [...events, ...(review ? [review] : [])].sort((a, b) => String(a.start).localeCompare(String(b.start)));
  const lines = all.map(
    (e) =>
      `- ${String(e.start ?? "?")
        .replace("T", " ")
        .replace(/:00Z$/, " UTC")}: ${e.title ?? "(untitled)"}`,
  );
  return ["# Week plan", "", ...lines, "", "Written by the Cortex demo agent.", ""].join("\n");
}

/**
 * The scripted model's turns: list the events, propose the review (a
 * CONFIRM call), write the week plan (another CONFIRM call) with what it
 * learned, then answer, saying what was approved and what was denied.
 */
export function demoScript(times: DemoTimes): DemoStep[] {
  const review = { title: "Cortex demo review", start: times.reviewStart, end: times.reviewEnd, location: "Room 42" };
  return [
    {
      content: "First, let me look at your calendar for the coming week.",
      toolCalls: [{ name: "calendar__list_events", arguments: { start: times.rangeStart, end: times.rangeEnd } }],
    },
    (request) => {
      const count = eventsOf(outcomes(request)[0]?.data).length;
      return {
        content: `You have ${count} event(s) this week. Tomorrow afternoon is free, so I propose booking the review then.`,
        toolCalls: [
          { name: "calendar__create_event", arguments: { ...review, description: "Booked by the Cortex demo agent." } },
        ],
      };
    },
    (request) => {
      const [listed, created] = outcomes(request);
      const plan = weekPlan(eventsOf(listed?.data), created?.ok ? review : undefined);
      return {
        content: `Now I'll write the week plan to ${NOTES_PATH}.`,
        toolCalls: [{ name: "files__write", arguments: { path: NOTES_PATH, content: plan, overwrite: true } }],
      };
    },
    (request) => {
      const [listed, created, written] = outcomes(request);
      const count = eventsOf(listed?.data).length;
      const parts = [`I listed ${count} event(s) in your calendar for the coming week.`];
      parts.push(
        created?.ok
          ? `I booked "${review.title}" tomorrow at 15:00 UTC.`
          : `Booking "${review.title}" was not done: ${created?.error?.message ?? "it failed"}.`,
      );
      parts.push(
        written?.ok
          ? `I wrote the week plan to ${NOTES_PATH}.`
          : `Writing ${NOTES_PATH} was not done: ${written?.error?.message ?? "it failed"}.`,
      );
      return { content: parts.join(" ") };
    },
  ];
}

/**
 * The offline demo's model: answers each request with the next turn of
 * {@link demoScript}. The demo's step limit stops the run before it runs out.
 */
export function demoModel(times: DemoTimes): ModelClient {
  const steps = demoScript(times);
  let next = 0;
  return {
    generate(request) {
      const step = steps[next++];
      if (step === undefined) return Promise.reject(new Error(`the demo script has only ${steps.length} turns`));
      return Promise.resolve(typeof step === "function" ? step(request) : step);
    },
  };
}
