/**
 * A glob-like filter: `*` and `?` match within one name, `**` across
 * folders; everything else is literal. A pattern without `/` is matched
 * against the file name, one with `/` against the path from the searched folder.
 */
export interface GlobFilter {
  matches(relativePath: string, name: string): boolean;
}

/** Compiles `pattern` into a {@link GlobFilter} (case-sensitive unless `ignoreCase`). */
export function compileGlob(pattern: string, ignoreCase = false): GlobFilter {
  let source = "";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] ?? "";
    if (c === "*" && pattern[i + 1] === "*") {
      const slash = pattern[i + 2] === "/";
      source += slash ? "(?:.*/)?" : ".*";
      i += slash ? 2 : 1;
    } else if (c === "*") source += "[^/]*";
    else if (c === "?") source += "[^/]";
    else source += c.replace(/[.+^${}()|[\]\\]/g, "\\$&");
  }
  const regex = new RegExp(`^${source}$`, ignoreCase ? "i" : "");
  const onPath = pattern.includes("/");
  return { matches: (relativePath, name) => regex.test(onPath ? relativePath : name) };
}
