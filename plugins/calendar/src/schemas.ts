import { z } from "zod";

// The params of each action, as zod schemas: the JSON Schema the model sees
// and the registry validates is derived from them (formats the registry's
// ajv checks are given as JSON Schema metadata), and so are the types the
// actions receive. Every object is strict (`additionalProperties: false`).

const when = (what: string) =>
  z.string().meta({
    anyOf: [{ format: "date" }, { format: "date-time" }],
    description: `${what}: an ISO 8601 date (YYYY-MM-DD, an all-day event) or date-time with offset (2026-06-01T09:30:00Z, 2026-06-01T11:30:00+02:00).`,
  });

const fields = {
  title: z.string().min(1).max(500).describe("Short title of the event (SUMMARY)."),
  start: when("When the event starts"),
  end: when("When the event ends (for an all-day event: its last day, inclusive); not before start"),
  location: z.string().max(1000).optional().describe("Where it takes place. An empty string clears it on update."),
  description: z
    .string()
    .max(10_000)
    .optional()
    .describe("Longer notes about the event. An empty string clears it on update."),
  attendees: z
    .array(z.string().meta({ format: "email" }))
    .max(100)
    .optional()
    .meta({
      uniqueItems: true,
      description: "Email addresses of the people invited (replaces the whole list on update; [] clears it).",
    }),
};

const id = z.string().min(1).max(1000).describe("The event's id, as returned by list_events or create_event.");

/** Parameters of `list_events`: a range whose end is inclusive when it is a date. */
export const ListEventsInput = z.strictObject({
  start: when("Start of the range"),
  end: when("End of the range (a date includes that whole day); must not be before start"),
});

/** Parameters of `create_event`. */
export const CreateEventInput = z.strictObject(fields);

/** Parameters of `update_event`: the id plus at least one field to change. */
export const UpdateEventInput = z
  .strictObject({
    id,
    title: fields.title.optional(),
    start: fields.start.optional(),
    end: fields.end.optional(),
    location: fields.location,
    description: fields.description,
    attendees: fields.attendees,
  })
  .meta({
    minProperties: 2,
    description: "The id plus at least one field to change; fields left out keep their value.",
  });

/** Parameters of `delete_event`. */
export const DeleteEventInput = z.strictObject({ id });

const jsonSchema = (schema: z.ZodType) => z.toJSONSchema(schema, { target: "draft-7", io: "input" });

/** JSON Schema of `list_events`' params (derived from {@link ListEventsInput}). */
export const listEventsSchema = jsonSchema(ListEventsInput);
/** JSON Schema of `create_event`'s params (derived from {@link CreateEventInput}). */
export const createEventSchema = jsonSchema(CreateEventInput);
/** JSON Schema of `update_event`'s params (derived from {@link UpdateEventInput}). */
export const updateEventSchema = jsonSchema(UpdateEventInput);
/** JSON Schema of `delete_event`'s params (derived from {@link DeleteEventInput}). */
export const deleteEventSchema = jsonSchema(DeleteEventInput);
