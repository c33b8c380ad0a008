export { CalendarPlugin, CALENDAR_CONFIG_KEYS } from "./plugin.js";
export { CALENDAR_ERROR_CODES, CalendarError, isCalendarError } from "./errors.js";
export type { CalendarErrorCode } from "./errors.js";
export type { CalendarEvent, EventInput, EventPatch } from "./backends/types.js";
export { createEventSchema, deleteEventSchema, listEventsSchema, updateEventSchema } from "./schemas.js";
