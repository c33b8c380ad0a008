// @ts-check
import { h } from "./dom.js";

/**
 * The kind of one line of a unified diff.
 * @param {string} line
 */
function kindOf(line) {
  if (/^(\+\+\+|---|diff |index |Index: |={3,}$)/.test(line)) return "meta";
  if (line.startsWith("@@")) return "hunk";
  if (line.startsWith("+")) return "add";
  if (line.startsWith("-")) return "del";
  if (line.startsWith("\\")) return "meta";
  return "ctx";
}

const LABEL = { add: "added", del: "removed", hunk: "", meta: "", ctx: "" };

/**
 * A unified diff as a diff: one line per row, added and removed lines marked
 * by colour and, for screen readers and colour-blind readers, by their
 * leading + and − and a hidden word.
 * @param {string} diff
 */
export function renderDiff(diff) {
  const lines = diff.replace(/\n$/, "").split("\n");
  return h(
    "pre",
    { class: "diff", tabindex: 0, "aria-label": "Changes the call would make" },
    lines.map((line) => {
      const kind = kindOf(line);
      const label = LABEL[/** @type {keyof typeof LABEL} */ (kind)];
      return h(
        "span",
        { class: `line ${kind}` },
        label ? h("span", { class: "visually-hidden" }, `${label}: `) : null,
        line,
        "\n",
      );
    }),
  );
}
