import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { readFile } from "node:fs/promises";
import type { Principal } from "@cortex/plugins";
import { InvalidOptionsError, isPlainObject, messageOf } from "@cortex/primitives";

/** A principal as configured: who it is, its roles, and the sha256 of its bearer token (never the token). */
export interface PrincipalEntry {
  id: string;
  roles: string[];
  /** Hex sha256 of the token, as `hashToken` gives it. */
  tokenSha256: string;
}

/** The environment variable that may hold the principals, as the JSON of a principals file. */
export const PRINCIPALS_ENV = "CORTEX_SERVER_PRINCIPALS";

const PRINCIPAL_ID = /^[A-Za-z0-9][A-Za-z0-9_.@-]{0,127}$/;
const ROLE = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/;
const SHA256_HEX = /^[0-9a-f]{64}$/;

/** Hex sha256 of a token: what a principals file stores. */
export function hashToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

/** A new random bearer token (256 bits): give it to its principal, store only its hash. */
export function newToken(): string {
  return `cortex_${randomBytes(32).toString("base64url")}`;
}

/** Checks principals as read from a file or the environment (`{ principals: [...] }` or the list itself). */
export function parsePrincipals(value: unknown, where: string): PrincipalEntry[] {
  const list = isPlainObject(value) ? value.principals : value;
  if (!Array.isArray(list) || list.length === 0)
    throw new InvalidOptionsError(
      "principals",
      `${where}: expected { "principals": [ { "id", "roles", "tokenSha256" }, … ] }`,
    );
  const ids = new Set<string>();
  const hashes = new Set<string>();
  return list.map((entry: unknown, index) => {
    const at = `${where}: principals[${index}]`;
    if (!isPlainObject(entry)) throw new InvalidOptionsError("principals", `${at} must be an object`);
    const { id, roles, tokenSha256 } = entry;
    if (typeof id !== "string" || !PRINCIPAL_ID.test(id))
      throw new InvalidOptionsError("principals", `${at}.id must be 1-128 letters, digits, "_", ".", "@" or "-"`);
    if (!Array.isArray(roles) || !roles.every((role) => typeof role === "string" && ROLE.test(role)))
      throw new InvalidOptionsError("principals", `${at}.roles must be a list of role names`);
    if (typeof tokenSha256 !== "string" || !SHA256_HEX.test(tokenSha256))
      throw new InvalidOptionsError(
        "principals",
        `${at}.tokenSha256 must be the hex sha256 of the token (64 lowercase hex digits), never the token`,
      );
    if (ids.has(id)) throw new InvalidOptionsError("principals", `${at}.id ${id} is used twice`);
    if (hashes.has(tokenSha256))
      throw new InvalidOptionsError("principals", `${at} has the same token as another principal`);
    ids.add(id);
    hashes.add(tokenSha256);
    return { id, roles: [...(roles as string[])], tokenSha256 };
  });
}

/** Principals from a JSON file, else from `CORTEX_SERVER_PRINCIPALS`. */
export async function loadPrincipals(options: {
  file?: string;
  env?: Record<string, string | undefined>;
}): Promise<PrincipalEntry[]> {
  if (options.file !== undefined) {
    let text: string;
    try {
      text = await readFile(options.file, "utf8");
    } catch (error) {
      throw new InvalidOptionsError(
        "principals",
        `cannot read the principals file ${options.file}: ${messageOf(error)}`,
      );
    }
    return parsePrincipals(parseJson(text, options.file), options.file);
  }
  const text = options.env?.[PRINCIPALS_ENV];
  if (text === undefined || text.trim() === "")
    throw new InvalidOptionsError("principals", `no principals: give a principals file, or set ${PRINCIPALS_ENV}`);
  return parsePrincipals(parseJson(text, PRINCIPALS_ENV), PRINCIPALS_ENV);
}

function parseJson(text: string, where: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new InvalidOptionsError("principals", `${where} is not JSON: ${messageOf(error)}`);
  }
}

/**
 * Maps bearer tokens to principals by their hashes. A token is hashed and
 * compared with every configured hash in constant time, with no early
 * exit, so neither which principal matched nor how much of a hash did
 * shows in the time taken.
 */
export class TokenTable {
  readonly #entries: { principal: Principal; hash: Buffer }[];

  constructor(entries: readonly PrincipalEntry[]) {
    this.#entries = parsePrincipals(entries, "principals").map((entry) => ({
      principal: Object.freeze({ id: entry.id, roles: Object.freeze([...entry.roles]) as string[] }),
      hash: Buffer.from(entry.tokenSha256, "hex"),
    }));
  }

  /** The principal holding this token, or undefined. */
  authenticate(token: string): Principal | undefined {
    const presented = createHash("sha256").update(token, "utf8").digest();
    let found: Principal | undefined;
    for (const entry of this.#entries) {
      if (timingSafeEqual(presented, entry.hash)) found = entry.principal;
    }
    return found;
  }
}
