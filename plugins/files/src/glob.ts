/**
 * A glob-like filter: `*` and `?` match within one name, `**` across
 * folders; everything else is literal. A pattern without `/` is matched
 * against the file name, one with `/` against the path from the searched folder.
 */
export interface GlobFilter {
  matches(relativePath: string, name: string): boolean;
}

/** Longest pattern accepted (the `search` schema says the same). */
export const MAX_GLOB_LENGTH = 256;

/**
 * One step of a compiled pattern. `star` is `*` (any run within a name),
 * `any` is `**` (any run, `/` included), `dirs` is `**` followed by a slash
 * (nothing, or any run ending in `/`; `dirs-in` is its inside state), `one` is `?`.
 */
type Step =
  | { kind: "lit"; char: string }
  | { kind: "one" }
  | { kind: "star" }
  | { kind: "any" }
  | { kind: "dirs" }
  | { kind: "dirs-in" };

/**
 * Compiles `pattern` into a {@link GlobFilter} (case-sensitive unless `ignoreCase`).
 * Matching simulates the pattern's automaton over a set of states instead of
 * backtracking, so it takes at most (text length × pattern length) steps
 * whatever the pattern: no pattern can freeze the event loop.
 */
export function compileGlob(pattern: string, ignoreCase = false): GlobFilter {
  const fold = (text: string) => (ignoreCase ? text.toLowerCase() : text);
  const source = fold(pattern);
  const steps: Step[] = [];
  for (let i = 0; i < source.length; i++) {
    const c = source[i] ?? "";
    if (c === "*" && source[i + 1] === "*") {
      const slash = source[i + 2] === "/";
      if (slash) steps.push({ kind: "dirs" }, { kind: "dirs-in" });
      else steps.push({ kind: "any" });
      i += slash ? 2 : 1;
    } else if (c === "*") steps.push({ kind: "star" });
    else if (c === "?") steps.push({ kind: "one" });
    else steps.push({ kind: "lit", char: c });
  }
  const onPath = pattern.includes("/");
  return { matches: (relativePath, name) => run(steps, fold(onPath ? relativePath : name)) };
}

/** True when `text` is matched by the whole of `steps`. */
function run(steps: readonly Step[], text: string): boolean {
  const size = steps.length + 1; // the last state is "matched everything"
  let current = new Uint8Array(size);
  let next = new Uint8Array(size);
  current[0] = 1;
  close(steps, current);
  for (const char of text) {
    next.fill(0);
    let alive = false;
    for (const [s, step] of steps.entries()) {
      if (current[s] !== 1) continue;
      switch (step.kind) {
        case "lit":
          if (char === step.char) next[s + 1] = 1;
          break;
        case "one":
          if (char !== "/") next[s + 1] = 1;
          break;
        case "star":
          if (char !== "/") next[s] = 1;
          break;
        case "any":
          next[s] = 1;
          break;
        case "dirs":
          break; // only passes through (epsilon) to its inside state or past it
        case "dirs-in":
          next[s] = 1;
          if (char === "/") next[s + 1] = 1;
          break;
      }
      alive = true;
    }
    if (!alive) return false;
    close(steps, next);
    [current, next] = [next, current];
  }
  return current[steps.length] === 1;
}

/** Adds the states reachable without reading a character (always forward, so one pass). */
function close(steps: readonly Step[], states: Uint8Array): void {
  for (const [s, { kind }] of steps.entries()) {
    if (states[s] !== 1) continue;
    if (kind === "star" || kind === "any") states[s + 1] = 1;
    else if (kind === "dirs") {
      states[s + 1] = 1; // into `.*/`
      states[s + 2] = 1; // or skip it entirely
    }
  }
}
