import { InvalidExtensionError, InvalidHookHandlerError, UnknownHookError } from "./errors.js";
import {
  HOOK_METHOD_NAMES,
  HOOK_NAMES,
  hookForMethod,
  type HookEventMap,
  type HookMethodName,
  type HookName,
} from "./hooks.js";

/**
 * The function behind one hook. It may be sync or async; the bus never
 * awaits it, logs what it throws or rejects with, and moves on.
 */
export type HookHandler<H extends HookName> = (event: HookEventMap[H]) => void | Promise<void>;

/** The optional hook methods an extension may implement, `onRunStarted` … `onShutdown`. */
export type ExtensionHooks = {
  [H in HookName as HookMethodName<H>]?: HookHandler<H>;
};

/**
 * A named observer of the lifecycle: a plain object or a class instance with
 * a unique `name` and any of the hook methods. Methods are read once, at
 * registration; replacing one afterwards has no effect until re-registration.
 */
export type Extension = { readonly name: string } & ExtensionHooks;

/** One hook an extension implements, with its method already bound to the extension. */
export interface HookBinding {
  readonly hook: HookName;
  readonly handler: (event: unknown) => unknown;
}

/** What {@link validateExtension} found: the name and the hooks, in {@link HOOK_NAMES} order. */
export interface ValidatedExtension {
  readonly name: string;
  readonly extension: Extension;
  readonly bindings: readonly HookBinding[];
}

// `on` + an upper-case letter is how every hook method is spelled, so anything
// else shaped like that is a typo or a hook from a newer version.
const HOOK_LIKE = /^on[A-Z]/;

/**
 * Checks `value` exactly as `HookBus.register` does and binds its hook
 * methods. Runs at registration only; throws `CORTEX_INVALID_EXTENSION`,
 * `CORTEX_UNKNOWN_HOOK` or `CORTEX_INVALID_HOOK_HANDLER`, naming the
 * extension and the member at fault.
 */
export function validateExtension(value: unknown): ValidatedExtension {
  if (typeof value !== "object" || value === null) {
    throw new InvalidExtensionError(
      `An extension must be an object with a name; got ${value === null ? "null" : typeof value}.`,
    );
  }
  const name = readName(value);
  const extension = value as Extension;
  const found = new Map<HookName, HookBinding>();

  for (const key of hookLikeKeys(value)) {
    const hook = hookForMethod(key);
    if (hook === undefined) {
      const hint = suggest(key);
      throw new UnknownHookError(
        `Extension "${name}" has "${key}", which is not a Cortex hook` +
          (hint === undefined ? "." : `; did you mean "${hint}"?`),
        { extension: name, property: key },
      );
    }
    let member: unknown;
    try {
      member = Reflect.get(value, key);
    } catch (cause) {
      throw new InvalidHookHandlerError(`Reading hook "${key}" of extension "${name}" threw.`, {
        extension: name,
        property: key,
        cause,
      });
    }
    // An explicit `undefined` is how an optional method is left out.
    if (member === undefined) continue;
    if (typeof member !== "function") {
      throw new InvalidHookHandlerError(
        `Extension "${name}" has hook "${key}" (for ${hook}) that is a ${member === null ? "null" : typeof member}, not a function.`,
        { extension: name, property: key },
      );
    }
    found.set(hook, { hook, handler: (member as (event: unknown) => unknown).bind(value) });
  }

  const bindings: HookBinding[] = [];
  for (const hook of HOOK_NAMES) {
    const binding = found.get(hook);
    if (binding !== undefined) bindings.push(binding);
  }
  return { name, extension, bindings };
}

function readName(value: object): string {
  let name: unknown;
  try {
    name = (value as { name?: unknown }).name;
  } catch (cause) {
    throw new InvalidExtensionError("Reading the extension's name threw.", { cause });
  }
  if (typeof name !== "string" || name.trim() === "") {
    throw new InvalidExtensionError(
      `An extension needs a non-empty string "name"; got ${typeof name === "string" ? JSON.stringify(name) : typeof name}.`,
    );
  }
  return name;
}

/** Own and inherited string keys shaped like hooks, stopping before `Object.prototype`. */
function hookLikeKeys(value: object): Set<string> {
  const keys = new Set<string>();
  for (
    let target: object | null = value;
    target !== null && target !== Object.prototype;
    target = Object.getPrototypeOf(target) as object | null
  ) {
    for (const key of Object.getOwnPropertyNames(target)) {
      if (HOOK_LIKE.test(key)) keys.add(key);
    }
  }
  return keys;
}

const KNOWN_METHODS: readonly string[] = Object.values(HOOK_METHOD_NAMES);

/** The closest known hook method within a few edits, so a typo's error says what was meant. */
function suggest(key: string): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(3, Math.floor(key.length / 4)) + 1;
  for (const known of KNOWN_METHODS) {
    const distance = editDistance(key.toLowerCase(), known.toLowerCase());
    if (distance < bestDistance) {
      best = known;
      bestDistance = distance;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution);
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}
