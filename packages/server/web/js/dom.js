// @ts-check
/* global document, CSS, HTMLElement */
// Every element of the page is made here. Text only ever goes in as text
// nodes, never as HTML, so a string from a plugin, a model or a person
// cannot become markup; attributes are limited to a fixed list, and links
// only to this page's own routes.

const ATTRIBUTES = new Set([
  "id",
  "class",
  "for",
  "type",
  "name",
  "value",
  "title",
  "role",
  "tabindex",
  "autocomplete",
  "required",
  "maxlength",
  "rows",
  "datetime",
  "disabled",
  "hidden",
  "lang",
  "scope",
  "colspan",
  "inputmode",
  "spellcheck",
  "aria-label",
  "aria-labelledby",
  "aria-describedby",
  "aria-live",
  "aria-current",
  "aria-busy",
  "aria-invalid",
  "data-decision",
  "data-line",
]);

/**
 * @typedef {string | number | Node | null | undefined | false} Child
 * @typedef {Record<string, string | number | boolean | undefined | ((event: Event) => void)>} Attributes
 */

/**
 * An element with attributes and children. Event handlers are `on<event>`
 * functions (attached with addEventListener, never as attribute text).
 * @param {string} tag
 * @param {Attributes} [attributes]
 * @param {...(Child | Child[])} children
 * @returns {HTMLElement}
 */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === false) continue;
    if (typeof value === "function") {
      if (!name.startsWith("on")) throw new Error(`not an event: ${name}`);
      element.addEventListener(name.slice(2), value);
    } else if (name === "href") {
      element.setAttribute("href", safeHref(String(value)));
    } else if (ATTRIBUTES.has(name)) {
      element.setAttribute(name, value === true ? "" : String(value));
    } else {
      throw new Error(`attribute not allowed: ${name}`);
    }
  }
  append(element, children);
  return element;
}

/**
 * @param {Node} parent
 * @param {(Child | Child[])[]} children
 */
function append(parent, children) {
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === "object" ? child : document.createTextNode(String(child)));
  }
}

/**
 * Only this page's routes (`#/…`) and the skip link are ever linked to.
 * @param {string} href
 */
function safeHref(href) {
  return href.startsWith("#/") || href === "#main" ? href : "#/inbox";
}

/**
 * The route of a checkpoint, run…: each part URI-encoded, so an id cannot leave its path segment.
 * @param {...string} parts
 */
export function route(...parts) {
  return `#/${parts.map((part) => encodeURIComponent(part)).join("/")}`;
}

/**
 * Replaces an element's children.
 * @param {Element} element
 * @param {...(Child | Child[])} children
 */
export function replace(element, ...children) {
  element.replaceChildren();
  append(element, children);
}

/**
 * A value as indented JSON text (for a <pre>).
 * @param {unknown} value
 */
export function json(value) {
  try {
    return JSON.stringify(value, null, 2) ?? "undefined";
  } catch {
    return String(value);
  }
}

/**
 * A <time> element: the relative time as text, the exact time on hover and for machines.
 * @param {string | undefined} iso
 */
export function time(iso) {
  if (!iso) return h("span", { class: "muted" }, "—");
  const at = Date.parse(iso);
  return h("time", { datetime: iso, title: new Date(at).toLocaleString() }, relative(at));
}

/** @param {number} at */
export function relative(at) {
  const seconds = Math.round((at - Date.now()) / 1000);
  const abs = Math.abs(seconds);
  const [value, unit] =
    abs < 60
      ? [abs, "s"]
      : abs < 3600
        ? [Math.round(abs / 60), "min"]
        : abs < 86400
          ? [Math.round(abs / 3600), "h"]
          : [Math.round(abs / 86400), "d"];
  if (abs < 5) return "now";
  return seconds < 0 ? `${value} ${unit} ago` : `in ${value} ${unit}`;
}

/**
 * Says something to screen-reader users without moving their focus.
 * @param {string} message
 */
export function announce(message) {
  const live = document.getElementById("live");
  if (live) live.textContent = message;
}

/**
 * A tier badge.
 * @param {string} tier
 */
export function tierBadge(tier) {
  const known = tier === "ADMIN" || tier === "CONFIRM" ? tier.toLowerCase() : "other";
  return h("span", { class: `badge tier-${known}` }, tier);
}

/**
 * A status badge.
 * @param {string} status
 */
export function statusBadge(status) {
  const known = /^[a-z_]+$/.test(status) ? status : "other";
  return h("span", { class: `badge status-${known}` }, status.replace("_", " "));
}

/**
 * A selector for the element of `root` that has the focus (by its id, a
 * decision button, or the view's heading); "" when nothing in `root` has it.
 * @param {HTMLElement} root
 */
function focusKey(root) {
  const active = document.activeElement;
  if (!(active instanceof HTMLElement) || !root.contains(active)) return "";
  if (active.id) return `#${CSS.escape(active.id)}`;
  if (active.dataset.decision) return `button[data-decision="${CSS.escape(active.dataset.decision)}"]`;
  return active.tagName === "H1" ? "h1" : "";
}

/**
 * Replaces a view's children, as {@link replace} does, for a view drawn
 * again on a change: the focus goes back to the same control (its id, a
 * decision button, or the heading), so a keyboard user stays where they were.
 * @param {HTMLElement} root
 * @param {...(Child | Child[])} children
 */
export function redraw(root, ...children) {
  const key = focusKey(root);
  replace(root, ...children);
  if (key) /** @type {HTMLElement | null} */ (root.querySelector(key))?.focus();
}
