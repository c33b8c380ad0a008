import { InvalidOptionsError } from "@cortex/primitives";
import { ENGINE_DEFAULTS } from "../engine/options.js";

/** Where a page starts and how long it is: what `listPending` and `listSessions` take. */
export interface PageOptions {
  /** `nextCursor` of the page before; absent for the first page. */
  after?: string;
  /** Items per page, 1 to 1000; default 50. */
  limit?: number;
}

/** One page of a listing, oldest first; `nextCursor` is set when more items followed at the time of the call. */
export interface Page<T> {
  items: T[];
  nextCursor?: string;
}

interface Position {
  createdAt: string;
  id: string;
}

// A cursor is the position of a page's last item: its creation time and id, which never change, so a
// page boundary stays put whatever is added or removed meanwhile (the PostgreSQL store's cursors read alike).
const encode = (position: Position): string =>
  Buffer.from(JSON.stringify([position.createdAt, position.id])).toString("base64url");

function decode(cursor: unknown, where: string): Position {
  if (typeof cursor === "string") {
    try {
      const value: unknown = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
      if (Array.isArray(value) && value.length === 2) {
        const [createdAt, id] = value as unknown[];
        if (typeof createdAt === "string" && !Number.isNaN(Date.parse(createdAt)) && typeof id === "string")
          return { createdAt, id };
      }
    } catch {
      // reported below
    }
  }
  throw new InvalidOptionsError("after", `${where}: after must be a nextCursor returned by ${where}`);
}

/** The page size asked for, checked: `CORTEX_INVALID_OPTIONS` naming `limit` otherwise. */
export function pageLimit(options: PageOptions | undefined, where: string): number {
  const { pageSize, maxPageSize } = ENGINE_DEFAULTS;
  const limit = options?.limit ?? pageSize;
  if (Number.isInteger(limit) && limit >= 1 && limit <= maxPageSize) return limit;
  throw new InvalidOptionsError(
    "limit",
    `${where}: limit must be a whole number from 1 to ${maxPageSize}; got ${String(limit)}`,
  );
}

const compare = (a: Position, b: Position): number => {
  const byTime = Date.parse(a.createdAt) - Date.parse(b.createdAt);
  if (byTime !== 0) return byTime;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
};

/**
 * One page of `items`, ordered by creation time then id, starting after
 * `options.after`. `idOf` names each item's id (`id`, or `checkpointId`).
 */
export function pageOf<T extends { createdAt: string }>(
  items: readonly T[],
  options: PageOptions | undefined,
  where: string,
  idOf: (item: T) => string = (item) => (item as unknown as { id: string }).id,
): Page<T> {
  const limit = pageLimit(options, where);
  const after = options?.after === undefined ? undefined : decode(options.after, where);
  const positioned = items.map((item) => ({ item, at: { createdAt: item.createdAt, id: idOf(item) } }));
  positioned.sort((a, b) => compare(a.at, b.at));
  const rest = after === undefined ? positioned : positioned.filter((p) => compare(p.at, after) > 0);
  const page = rest.slice(0, limit);
  const result: Page<T> = { items: page.map((p) => p.item) };
  if (rest.length > limit) result.nextCursor = encode(page.at(-1)!.at);
  return result;
}
