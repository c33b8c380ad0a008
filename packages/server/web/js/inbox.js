// @ts-check
/* global window, clearTimeout */
import { api, query } from "./api.js";
import { announce, h, replace, route, tierBadge, time } from "./dom.js";

/**
 * @typedef {{ checkpointId: string, runId: string, agentId: string, plugin: string, action: string, tier: string,
 *   params: Record<string, unknown>, approvalId: string, createdAt: string, expiresAt: string,
 *   votes: { approvals: string[], quorum: number } }} PendingItem
 */

/**
 * A view on the page. `onEvent` gets each event from the server, and `resync` whenever the event
 * stream (re)connects: events sent while it was down are lost, so the view fetches again.
 * @typedef {{ onEvent?: (event: { type: string, [key: string]: unknown }) => void, dispose?: () => void }} View
 */

const PARAMS_PREVIEW = 160;

/** @param {Record<string, unknown>} params */
function paramsLine(params) {
  const text = JSON.stringify(params) ?? "";
  return text.length > PARAMS_PREVIEW ? `${text.slice(0, PARAMS_PREVIEW)}…` : text;
}

/** @param {PendingItem} item */
function card(item) {
  const name = `${item.plugin}.${item.action}`;
  return h(
    "li",
    { class: "card" },
    h(
      "a",
      { href: route("checkpoint", item.checkpointId), class: "card-link" },
      tierBadge(item.tier),
      " ",
      h("strong", {}, name),
      h("span", { class: "visually-hidden" }, `, asked by agent ${item.agentId}`),
    ),
    h(
      "p",
      { class: "meta" },
      "agent ",
      h("span", { class: "mono" }, item.agentId),
      " · paused ",
      time(item.createdAt),
      " · expires ",
      time(item.expiresAt),
      " · ",
      h("span", { class: "votes" }, `${item.votes.approvals.length} of ${item.votes.quorum} approvals`),
    ),
    h("p", { class: "params mono" }, paramsLine(item.params)),
  );
}

/**
 * The inbox: checkpoints waiting for a decision, refreshed whenever the
 * server says the pending set or a vote changed.
 * @param {HTMLElement} root the element the view draws into
 * @param {(count: number) => void} setCount
 * @returns {Promise<View>}
 */
export async function inboxView(root, setCount) {
  /** @type {{ tier: string, plugin: string }} */
  const filter = { tier: "", plugin: "" };
  /** @type {PendingItem[]} */
  let items = [];
  /** @type {string | undefined} */
  let next;
  const list = h("ul", { class: "cards", id: "pending-list", "aria-live": "polite", "aria-busy": "true" });
  const more = h("div", { class: "more" });
  const status = h("p", { class: "muted", role: "status" });

  const tier = /** @type {HTMLSelectElement} */ (
    h(
      "select",
      { id: "filter-tier", onchange: () => ((filter.tier = tier.value), void load(true)) },
      h("option", { value: "" }, "All tiers"),
      h("option", { value: "CONFIRM" }, "CONFIRM"),
      h("option", { value: "ADMIN" }, "ADMIN"),
    )
  );
  const plugin = /** @type {HTMLInputElement} */ (
    h("input", { id: "filter-plugin", type: "text", autocomplete: "off", spellcheck: "false" })
  );
  const filters = h(
    "form",
    {
      class: "filters",
      role: "search",
      onsubmit: (event) => (event.preventDefault(), (filter.plugin = plugin.value.trim()), void load(true)),
    },
    h("label", { for: "filter-tier" }, "Tier"),
    tier,
    h("label", { for: "filter-plugin" }, "Plugin"),
    plugin,
    h("button", { type: "submit", class: "quiet" }, "Filter"),
  );
  replace(root, h("h1", { tabindex: -1 }, "Pending approvals"), filters, status, list, more);

  /** @param {boolean} reset */
  async function load(reset) {
    const before = new Set(items.map((item) => item.checkpointId));
    const page = await api(
      `/api/checkpoints${query({ tier: filter.tier || undefined, plugin: filter.plugin || undefined, after: reset ? undefined : next })}`,
    );
    items = reset ? page.items : [...items, ...page.items];
    next = page.nextCursor;
    list.setAttribute("aria-busy", "false");
    replace(list, items.map(card));
    replace(
      status,
      items.length === 0
        ? "Nothing is waiting for a decision."
        : `${items.length} waiting${next ? " (more below)" : ""}.`,
    );
    replace(
      more,
      next ? h("button", { type: "button", class: "quiet", onclick: () => void load(false) }, "Show more") : null,
    );
    if (!filter.tier && !filter.plugin) setCount(items.length);
    const fresh = items.filter((item) => !before.has(item.checkpointId));
    if (!reset || !loaded || fresh.length === 0) return;
    announce(`New approval request: ${fresh.map((item) => `${item.plugin}.${item.action}`).join(", ")}`);
  }

  let loaded = false;
  await load(true);
  loaded = true;
  /** @type {number | undefined} */
  let timer;
  return {
    onEvent(event) {
      if (event.type !== "pending" && event.type !== "votes" && event.type !== "resync") return;
      // Several events in a burst are one reload.
      clearTimeout(timer);
      timer = window.setTimeout(() => void load(true).catch(() => undefined), 100);
    },
    dispose() {
      clearTimeout(timer);
    },
  };
}
