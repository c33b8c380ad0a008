import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** `docs/errors.md` of the repository. */
export const ERRORS_DOC = fileURLToPath(new URL("../docs/errors.md", import.meta.url));

/**
 * Every row of the section headed `## <section>` of `docs/errors.md`: the
 * code in its first column and the whole class column (a class name in
 * backquotes, or `*result*` for a code never thrown).
 */
export function documentedErrors(section: string): Map<string, string> {
  const lines = readFileSync(ERRORS_DOC, "utf8").split("\n");
  const start = lines.indexOf(`## ${section}`);
  if (start === -1) throw new Error(`docs/errors.md has no section "## ${section}"`);
  const rows = new Map<string, string>();
  for (const line of lines.slice(start + 1)) {
    if (line.startsWith("## ")) break;
    const cells = /^\| `(CORTEX_[A-Z_]+)` \| ([^|]+) \|/.exec(line);
    if (cells) rows.set(cells[1]!, cells[2]!.trim());
  }
  return rows;
}

/**
 * The differences between a package's error table (code → class name, or
 * `"result"`) and its section of `docs/errors.md`: codes missing from the
 * docs, rows the table does not have, and rows naming another class. An
 * empty list means they agree.
 */
export function errorDocProblems(section: string, table: Readonly<Record<string, string>>): string[] {
  const documented = documentedErrors(section);
  const problems: string[] = [];
  for (const [code, carrier] of Object.entries(table)) {
    const cell = documented.get(code);
    const expected = carrier === "result" ? "*result*" : `\`${carrier}\``;
    if (cell === undefined) problems.push(`${code} is not documented`);
    else if (!cell.startsWith(expected)) problems.push(`${code} is documented as ${cell}, not ${expected}`);
  }
  for (const code of documented.keys()) {
    if (!(code in table)) problems.push(`${code} is documented but not in the table`);
  }
  return problems;
}
