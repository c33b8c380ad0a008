// @ts-check
/* global window, clearTimeout */
import { api, query } from "./api.js";
import { h, json, redraw, replace, route, statusBadge, time } from "./dom.js";

/** @typedef {import("./inbox.js").View} View */

/** @param {any} run */
function runRow(run) {
  return h(
    "tr",
    {},
    h("th", { scope: "row" }, h("a", { href: route("runs", run.runId), class: "mono" }, run.runId)),
    h("td", { class: "mono" }, run.agentId ?? "—"),
    h("td", {}, statusBadge(run.status)),
    h("td", { class: "wide" }, time(run.startedAt)),
    h("td", { class: "wide" }, String(run.steps)),
    h("td", {}, time(run.lastEventAt)),
  );
}

/**
 * The runs the audit trail knows, most recent first.
 * @param {HTMLElement} root the element the view draws into
 * @returns {Promise<View>}
 */
export async function runsView(root) {
  const body = h("tbody");
  const more = h("div", { class: "more" });
  /** @type {number | undefined} */
  let next;
  replace(
    root,
    h("h1", { tabindex: -1 }, "Runs"),
    h(
      "div",
      { class: "table-wrap" },
      h(
        "table",
        {},
        h("caption", { class: "visually-hidden" }, "Runs, most recently started first"),
        h(
          "thead",
          {},
          h(
            "tr",
            {},
            h("th", { scope: "col" }, "Run"),
            h("th", { scope: "col" }, "Agent"),
            h("th", { scope: "col" }, "Status"),
            h("th", { scope: "col", class: "wide" }, "Started"),
            h("th", { scope: "col", class: "wide" }, "Steps"),
            h("th", { scope: "col" }, "Last event"),
          ),
        ),
        body,
      ),
    ),
    more,
  );
  /** @param {boolean} reset */
  async function load(reset) {
    const page = await api(`/api/runs${query({ before: reset ? undefined : next })}`);
    if (reset) replace(body);
    for (const run of page.items) body.appendChild(runRow(run));
    if (body.childElementCount === 0)
      replace(body, h("tr", {}, h("td", { colspan: 6, class: "muted" }, "No runs in the audit trail yet.")));
    next = page.nextBefore;
    replace(
      more,
      next ? h("button", { type: "button", class: "quiet", onclick: () => void load(false) }, "Show older runs") : null,
    );
  }
  await load(true);
  /** @type {number | undefined} */
  let timer;
  return {
    onEvent(event) {
      if (event.type !== "run" && event.type !== "resync") return;
      clearTimeout(timer);
      timer = window.setTimeout(() => void load(true).catch(() => undefined), 150);
    },
    dispose: () => clearTimeout(timer),
  };
}

/** @param {any} event */
function eventItem(event) {
  const metadata = Object.keys(event.metadata ?? {}).length
    ? h("pre", { class: "json small" }, json(event.metadata))
    : null;
  return h(
    "li",
    { class: `event outcome-${/^[a-z]+$/.test(event.outcome) ? event.outcome : "other"}` },
    h(
      "div",
      { class: "event-head" },
      time(event.at),
      " ",
      h("strong", {}, event.action),
      " ",
      h("span", { class: "badge" }, event.outcome),
      " ",
      h("span", { class: "mono muted" }, event.resourceId),
    ),
    event.reason ? h("p", { class: "text" }, event.reason) : null,
    metadata,
  );
}

/**
 * One run and its timeline.
 * @param {HTMLElement} root the element the view draws into
 * @param {string} runId
 * @returns {Promise<View>}
 */
export async function runView(root, runId) {
  async function render() {
    const { run, events } = await api(`/api/runs/${encodeURIComponent(runId)}`);
    // Drawn again on every change of the run and every reconnection: the focus stays where it was.
    redraw(
      root,
      h("p", {}, h("a", { href: "#/runs" }, "← Runs")),
      h("h1", { tabindex: -1 }, "Run ", h("span", { class: "mono" }, run.runId)),
      h(
        "p",
        { class: "meta" },
        statusBadge(run.status),
        " agent ",
        h("span", { class: "mono" }, run.agentId ?? "—"),
        " · started ",
        time(run.startedAt),
        ` · ${run.steps} steps · ${run.events} events`,
      ),
      run.checkpointId
        ? h(
            "p",
            { class: "notice" },
            "Waiting for a decision: ",
            h("a", { href: route("checkpoint", run.checkpointId) }, "open the approval"),
          )
        : null,
      h("h2", {}, "Timeline"),
      h("ol", { class: "timeline" }, events.map(eventItem)),
    );
  }
  await render();
  return {
    onEvent(event) {
      if (event.type === "resync" || (event.type === "run" && event.runId === runId))
        void render().catch(() => undefined);
    },
  };
}
