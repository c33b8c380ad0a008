import { Buffer } from "node:buffer";
import { isPlainObject, type LogFields, type Logger } from "@cortex/primitives";
import { CredentialMissingError } from "./errors.js";
import type { CredentialBroker, CredentialOptions } from "./models.js";

/** What every secret the registry handed out is replaced with. */
export const REDACTED = "[REDACTED]";

/** How deep `value` looks into log fields and error properties; anything deeper is replaced whole. */
const MAX_DEPTH = 32;

/**
 * Remembers every secret a broker handed to plugins and removes it from
 * what plugins hand back: text, JSON data, errors and their causes, log
 * lines. A secret is found in every form it is commonly written in:
 *
 * - as is, and JSON-escaped (`\"`, `\\`, `\n`, `\/`, `\u00e9`…);
 * - percent-encoded, wholly or in part, with upper- or lower-case hex, and a
 *   space as `+` (URL paths, query strings, form bodies);
 * - base64, standard or URL-safe, with or without padding, wherever it sits
 *   inside a longer encoded string (a `Basic` header encodes `user:secret`):
 *   every character of the encoding that depends on the secret alone is
 *   replaced, for each of the three byte offsets it may start at. Secrets of
 *   fewer than 4 bytes are found as is, JSON-escaped and percent-encoded only
 *   (their base64 is too short to tell from other text).
 *
 * Costs nothing while no secret has been handed out.
 */
export class Redactor {
  readonly #secrets = new Set<string>();
  #pattern: RegExp | undefined;
  #probe: RegExp | undefined;

  /** Remember a secret; empty strings are ignored (they would match everywhere). */
  add(secret: string): void {
    if (secret.length === 0 || this.#secrets.has(secret)) return;
    this.#secrets.add(secret);
    // Longest first, so a secret that contains another is removed whole.
    const sources = [...this.#secrets].sort((a, b) => b.length - a.length).flatMap(secretForms);
    this.#pattern = new RegExp(sources.join("|"), "g");
    this.#probe = new RegExp(this.#pattern.source);
  }

  /** Number of secrets remembered. */
  get size(): number {
    return this.#secrets.size;
  }

  /** Whether `text` holds any form of any remembered secret. */
  has(text: string): boolean {
    return this.#probe?.test(text) ?? false;
  }

  /** `text` with every form of every remembered secret replaced by {@link REDACTED}. */
  text(text: string): string {
    return this.#pattern === undefined ? text : text.replace(this.#pattern, REDACTED);
  }

  /**
   * JSON text parsed with every string and every object key redacted: the
   * form in which plugin output (results, health reports) holding a secret
   * is handed on. Throws like `JSON.parse`.
   */
  parse(json: string): unknown {
    return JSON.parse(json, (_key, value: unknown) => {
      if (typeof value === "string") return this.text(value);
      if (typeof value !== "object" || value === null || Array.isArray(value)) return value;
      const keys = Object.keys(value);
      if (keys.every((key) => this.text(key) === key)) return value;
      return Object.fromEntries(keys.map((key) => [this.text(key), (value as Record<string, unknown>)[key]]));
    });
  }

  /**
   * Redacts an error the registry caught, in place, so the same object can
   * still be passed on as a `cause`: its message and stack, its own
   * properties, and the same for every error of its `cause` chain (and an
   * `AggregateError`'s `errors`). A frozen error is replaced by a redacted
   * copy. Anything else thrown is returned redacted (see {@link value}).
   */
  error(error: unknown, seen = new Set<unknown>()): unknown {
    if (this.#pattern === undefined) return error;
    if (!(error instanceof Error)) return this.value(error);
    if (seen.has(error)) return error;
    seen.add(error);
    try {
      error.message = this.text(error.message);
      if (typeof error.stack === "string") error.stack = this.text(error.stack);
      const record = error as unknown as Record<string, unknown>;
      for (const key of Object.keys(error)) if (key !== "cause") replace(record, key, this.value(record[key]));
      if (Object.hasOwn(error, "cause")) replace(record, "cause", this.error(error.cause, seen));
      if (error instanceof AggregateError && Array.isArray(error.errors)) {
        error.errors = error.errors.map((each: unknown) => this.error(each, seen));
      }
      return error;
    } catch {
      const copy = new Error(this.text(safeMessage(error)), { cause: this.error(safeCause(error), seen) });
      copy.name = error.name;
      return copy;
    }
  }

  /**
   * `value` with every form of every secret removed from its strings and
   * object keys, at any depth up to 32 (an object deeper than that is
   * replaced by {@link REDACTED}). Errors become `{ name, message, code }`.
   * Returns `value` itself when it holds no secret.
   */
  value(value: unknown, depth = 0, seen = new Set<object>()): unknown {
    if (this.#pattern === undefined) return value;
    if (typeof value === "string") return this.text(value);
    if (typeof value !== "object" || value === null) return value;
    if (depth > MAX_DEPTH || seen.has(value)) return REDACTED;
    seen.add(value);
    try {
      if (value instanceof Error) {
        const code = (value as { code?: unknown }).code;
        return { name: value.name, message: this.text(value.message), ...(code === undefined ? {} : { code }) };
      }
      if (Array.isArray(value)) {
        const items = value.map((item: unknown) => this.value(item, depth + 1, seen));
        return items.every((item, i) => item === value[i]) ? value : items;
      }
      if (!isPlainObject(value) && Object.keys(value).length === 0) return value;
      let changed = false;
      const entries = Object.keys(value).map((key) => {
        const item: unknown = (value as Record<string, unknown>)[key];
        const entry = [this.text(key), this.value(item, depth + 1, seen)] as const;
        if (entry[0] !== key || entry[1] !== item) changed = true;
        return entry;
      });
      return changed ? Object.fromEntries(entries) : value;
    } catch {
      return REDACTED;
    } finally {
      seen.delete(value);
    }
  }
}

/** Sets `record[key]` when `value` differs: a property that cannot be set makes the caller copy instead. */
function replace(record: Record<string, unknown>, key: string, value: unknown): void {
  if (record[key] !== value) record[key] = value;
}

function safeMessage(error: Error): string {
  try {
    return String(error.message);
  } catch {
    return "an error that could not be read";
  }
}

function safeCause(error: Error): unknown {
  try {
    return error.cause;
  } catch {
    return undefined;
  }
}

/** Regular-expression sources matching `secret` in every form {@link Redactor} looks for. */
function secretForms(secret: string): string[] {
  const forms = [[...secret].map(characterForms).join("")];
  const bytes = Buffer.from(secret, "utf8");
  if (bytes.length >= 4) for (let offset = 0; offset < 3; offset++) forms.push(base64Core(bytes, offset));
  return forms;
}

/** One character: as is, percent-encoded (any hex case), JSON-escaped, or `+` for a space. */
function characterForms(character: string): string {
  const forms = new Set([escapeRegExp(character)]);
  forms.add([...Buffer.from(character, "utf8")].map((byte) => `%${hexPattern(byte, 2)}`).join(""));
  const json = JSON.stringify(character).slice(1, -1);
  if (json !== character) forms.add(escapeRegExp(json));
  if (character === "/") forms.add("\\\\/");
  if (character === " ") forms.add("\\+");
  let units = "";
  for (let i = 0; i < character.length; i++) units += `\\\\u${hexPattern(character.charCodeAt(i), 4)}`;
  forms.add(units);
  return forms.size === 1 ? escapeRegExp(character) : `(?:${[...forms].join("|")})`;
}

/** `value` as `digits` hex digits, each letter matching either case. */
function hexPattern(value: number, digits: number): string {
  return [...value.toString(16).padStart(digits, "0")]
    .map((digit) => (/[a-f]/.test(digit) ? `[${digit}${digit.toUpperCase()}]` : digit))
    .join("");
}

/**
 * The base64 characters that depend on `bytes` alone when they start
 * `offset` bytes into a 3-byte group, in either alphabet: the characters
 * shared with other bytes at either end are left out, so the pattern
 * matches wherever in a longer encoded string the secret sits.
 */
function base64Core(bytes: Buffer, offset: number): string {
  const padded = Buffer.concat([Buffer.alloc(offset), bytes, Buffer.alloc(3)]).toString("base64");
  const first = Math.ceil((offset * 8) / 6);
  const end = Math.floor(((offset + bytes.length) * 8) / 6);
  return [...padded.slice(first, end)].map((c) => (c === "+" ? "[+-]" : c === "/" ? "[/_]" : c)).join("");
}

function escapeRegExp(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|/-]/g, "\\$&");
}

/**
 * The broker plugins get instead of the registry's own: every value it
 * hands out is remembered by `redactor`, except values asked for with
 * `secret: false`; an empty or non-string value is `CORTEX_CREDENTIAL_MISSING`.
 */
export function redactingBroker(broker: CredentialBroker, redactor: Redactor): CredentialBroker {
  return {
    async get(key: string, options?: CredentialOptions): Promise<string> {
      const value: unknown = await (options === undefined ? broker.get(key) : broker.get(key, options));
      if (typeof value !== "string" || value === "") throw new CredentialMissingError(key);
      if (options?.secret !== false) redactor.add(value);
      return value;
    },
  };
}

/** `logger` with every secret `redactor` knows removed from each message and its fields. */
export function redactingLogger(logger: Logger, redactor: Redactor): Logger {
  const at =
    (level: keyof Logger) =>
    (message: string, fields?: LogFields): void => {
      if (fields === undefined) logger[level](redactor.text(message));
      else logger[level](redactor.text(message), redactor.value(fields) as LogFields);
    };
  return { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}
