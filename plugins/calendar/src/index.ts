export { CalendarPlugin, CALENDAR_CONFIG_KEYS, CALENDAR_CREDENTIALS } from "./plugin.js";
export { CALENDAR_DEFAULTS, CALENDAR_LIMITS } from "./defaults.js";
export { CALENDAR_ERRORS, CalendarConfigError } from "./errors.js";
export type { CalendarErrorCode } from "./errors.js";
export type { CalendarEvent, EventInput, EventPatch } from "./backends/types.js";
export {
  CreateEventInput,
  createEventSchema,
  DeleteEventInput,
  deleteEventSchema,
  ListEventsInput,
  listEventsSchema,
  UpdateEventInput,
  updateEventSchema,
} from "./schemas.js";
