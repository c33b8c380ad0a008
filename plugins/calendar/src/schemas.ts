import type { JsonSchema } from "@cortex/plugins";

const when = (what: string): JsonSchema => ({
  type: "string",
  anyOf: [{ format: "date" }, { format: "date-time" }],
  description: `${what}: an ISO 8601 date (YYYY-MM-DD, an all-day event) or date-time with offset (2026-06-01T09:30:00Z, 2026-06-01T11:30:00+02:00).`,
});

const fields = {
  title: { type: "string", minLength: 1, maxLength: 500, description: "Short title of the event (SUMMARY)." },
  start: when("When the event starts"),
  end: when("When the event ends (for an all-day event: its last day, inclusive); not before start"),
  location: {
    type: "string",
    maxLength: 1000,
    description: "Where it takes place. An empty string clears it on update.",
  },
  description: {
    type: "string",
    maxLength: 10_000,
    description: "Longer notes about the event. An empty string clears it on update.",
  },
  attendees: {
    type: "array",
    items: { type: "string", format: "email" },
    maxItems: 100,
    uniqueItems: true,
    description: "Email addresses of the people invited (replaces the whole list on update; [] clears it).",
  },
} satisfies Record<string, JsonSchema>;

const id = {
  type: "string",
  minLength: 1,
  maxLength: 1000,
  description: "The event's id, as returned by list_events or create_event.",
} satisfies JsonSchema;

/** Parameters of `list_events`: a range whose end is inclusive when it is a date. */
export const listEventsSchema: JsonSchema = {
  type: "object",
  properties: {
    start: when("Start of the range"),
    end: when("End of the range (a date includes that whole day); must not be before start"),
  },
  required: ["start", "end"],
  additionalProperties: false,
};

/** Parameters of `create_event`. */
export const createEventSchema: JsonSchema = {
  type: "object",
  properties: fields,
  required: ["title", "start", "end"],
  additionalProperties: false,
};

/** Parameters of `update_event`: the id plus at least one field to change. */
export const updateEventSchema: JsonSchema = {
  type: "object",
  properties: { id, ...fields },
  required: ["id"],
  minProperties: 2,
  additionalProperties: false,
  description: "The id plus at least one field to change; fields left out keep their value.",
};

/** Parameters of `delete_event`. */
export const deleteEventSchema: JsonSchema = {
  type: "object",
  properties: { id },
  required: ["id"],
  additionalProperties: false,
};
