// @ts-check
import { api, ApiError, query } from "./api.js";
import { h, replace, route, time } from "./dom.js";

/** @typedef {import("./inbox.js").View} View */

const OUTCOME = {
  approve: "approved (vote)",
  deny: "denied (vote)",
  approved: "APPROVED",
  denied: "DENIED",
  expired: "EXPIRED",
};

/** @param {any} record */
function recordRow(record) {
  if (record.kind === "repair")
    return h(
      "tr",
      {},
      h("th", { scope: "row" }, String(record.seq)),
      h("td", {}, time(record.at)),
      h("td", { colspan: 4 }, `repair: ${record.reason}`),
      h("td", { class: "wide" }, h("code", { class: "hash" }, record.hash.slice(0, 12))),
    );
  const outcome = OUTCOME[/** @type {keyof typeof OUTCOME} */ (record.decision)] ?? String(record.decision);
  return h(
    "tr",
    { class: `kind-${record.kind === "decision" ? "decision" : "vote"}` },
    h("th", { scope: "row" }, String(record.seq)),
    h("td", {}, time(record.at)),
    h("td", {}, outcome),
    h("td", {}, record.principal ? record.principal.id : "(expiry)"),
    h(
      "td",
      {},
      h("span", { class: "mono" }, `${record.plugin}.${record.action}`),
      " ",
      h("a", { href: route("runs", record.runId), class: "small" }, "run"),
    ),
    h("td", { class: "text" }, record.reason ?? ""),
    h("td", { class: "wide" }, h("code", { class: "hash", title: record.hash }, record.hash.slice(0, 12))),
  );
}

/**
 * The ledger, newest first, with a button that verifies the whole chain.
 * @param {HTMLElement} root the element the view draws into
 * @returns {Promise<View>}
 */
export async function ledgerView(root) {
  const body = h("tbody");
  const more = h("div", { class: "more" });
  const result = h("p", { id: "verify-result", role: "status" });
  const head = h("p", { class: "meta" });
  /** @type {number | undefined} */
  let next;
  async function verify() {
    replace(result, "Verifying every record…");
    try {
      const report = await api("/api/ledger/verify");
      replace(
        result,
        report.ok
          ? h(
              "span",
              { class: "ok" },
              `Intact: ${report.records} records, chained and ${report.signed ? "signed" : "unsigned"}.`,
            )
          : h("span", { class: "error" }, `${report.problem.code}: ${report.problem.message}`),
        report.warnings.map((/** @type {string} */ warning) => h("span", { class: "muted" }, ` ${warning}.`)),
      );
    } catch (error) {
      replace(
        result,
        h("span", { class: "error" }, error instanceof ApiError ? `${error.message} (${error.code})` : String(error)),
      );
    }
  }
  replace(
    root,
    h("h1", { tabindex: -1 }, "Ledger"),
    h("p", {}, "Every vote, decision and expiry, each record chained to the one before by its hash."),
    head,
    h("p", {}, h("button", { type: "button", id: "verify", onclick: () => void verify() }, "Verify the chain")),
    result,
    h(
      "div",
      { class: "table-wrap" },
      h(
        "table",
        {},
        h("caption", { class: "visually-hidden" }, "Ledger records, newest first"),
        h(
          "thead",
          {},
          h(
            "tr",
            {},
            ["#", "When", "What", "Who", "Call", "Reason"].map((title) => h("th", { scope: "col" }, title)),
            h("th", { scope: "col", class: "wide" }, "Hash"),
          ),
        ),
        body,
      ),
    ),
    more,
  );
  /** @param {boolean} reset */
  async function load(reset) {
    const page = await api(`/api/ledger${query({ before: reset ? undefined : next })}`);
    if (reset) replace(body);
    for (const record of page.items) body.appendChild(recordRow(record));
    if (body.childElementCount === 0)
      replace(body, h("tr", {}, h("td", { colspan: 7, class: "muted" }, "No decisions yet.")));
    replace(head, `${page.head.seq} records; last hash `, h("code", { class: "hash" }, page.head.hash));
    next = page.nextBefore;
    replace(
      more,
      next
        ? h("button", { type: "button", class: "quiet", onclick: () => void load(false) }, "Show older records")
        : null,
    );
  }
  await load(true);
  return {
    onEvent(event) {
      if (event.type === "ledger" || event.type === "resync") void load(true).catch(() => undefined);
    },
  };
}
