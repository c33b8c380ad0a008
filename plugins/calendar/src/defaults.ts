/** The plugin's defaults, in one place. */
export const CALENDAR_DEFAULTS = {
  /** `calendar_backend` when the broker has none. */
  backend: "ics",
  /** Limit of each CalDAV request that has no caller's signal, and of each request of the connection setup. */
  requestTimeoutMs: 15_000,
  /** Limit of `health()`. */
  healthTimeoutMs: 10_000,
} as const;

/**
 * Bounds on calendar data read from an .ics file or a CalDAV server, so that
 * no calendar can hold the event loop: each bounds work that would
 * otherwise grow faster than the input or with the dates it names.
 */
export const CALENDAR_LIMITS = {
  /** Parameters on one content line; more is refused (`CORTEX_CALENDAR_TOO_COMPLEX`). */
  maxParameters: 100,
  /** Characters of one content line's name and parameters (everything before the value); more is refused. */
  maxParameterChars: 65_536,
  /**
   * Work steps allowed to build one VTIMEZONE, and again to resolve one
   * time in it: one per day a rule examines and per transition sorted,
   * four per observance or RDATE value read (about a millisecond in all). A
   * real zone needs a few thousand at most; one that needs more is not
   * used: its times are read as floating, with a note.
   */
  zoneSteps: 20_000,
  /** Years a time may fall in; a computed time past them (a huge DURATION) is clamped, with a note. */
  firstYear: 0,
  lastYear: 9999,
} as const;
