// @ts-check
/* global document, location, window, EventSource */
import { api, ApiError, setCsrfToken } from "./api.js";
import { checkpointView } from "./checkpoint.js";
import { h, replace } from "./dom.js";
import { inboxView } from "./inbox.js";
import { ledgerView } from "./ledger.js";
import { runsView, runView } from "./runs.js";

/** @typedef {import("./inbox.js").View} View */

const main = /** @type {HTMLElement} */ (document.getElementById("main"));
const nav = /** @type {HTMLElement} */ (document.getElementById("nav"));
const who = /** @type {HTMLElement} */ (document.getElementById("who"));
const whoName = /** @type {HTMLElement} */ (document.getElementById("who-name"));
const count = /** @type {HTMLElement} */ (document.getElementById("pending-count"));

/** @type {View | undefined} */
let current;
/** @type {EventSource | undefined} */
let events;
let rendering = 0;
// Counts connections of the event stream. Events sent while it was down are lost, so every
// (re)connection tells the views to fetch again; a view still loading when it happened is told once shown.
let connections = 0;

/** @param {number} n */
function setCount(n) {
  count.textContent = n > 0 ? String(n) : "";
  document.title = n > 0 ? `(${n}) Cortex approvals` : "Cortex approvals";
}

function showSignIn(message = "") {
  stopEvents();
  setCsrfToken(null);
  nav.hidden = true;
  who.hidden = true;
  const token = /** @type {HTMLInputElement} */ (
    h("input", {
      id: "token",
      name: "token",
      type: "password",
      autocomplete: "off",
      required: true,
      spellcheck: "false",
    })
  );
  const error = h("p", { id: "sign-in-error", role: "alert", class: "error" }, message);
  const form = h(
    "form",
    {
      class: "panel sign-in",
      onsubmit: async (event) => {
        event.preventDefault();
        const value = token.value;
        // The token is not kept anywhere: not in the page, not in storage.
        token.value = "";
        try {
          const session = await api("/api/session", { method: "POST", body: { token: value } });
          await signedIn(session);
        } catch (failure) {
          replace(error, failure instanceof ApiError ? failure.message : String(failure));
          token.focus();
        }
      },
    },
    h("label", { for: "token" }, "Access token"),
    token,
    h("button", { type: "submit" }, "Sign in"),
    error,
  );
  replace(
    main,
    h("h1", { tabindex: -1 }, "Sign in"),
    h("p", {}, "Sign in with the token your administrator gave you. It is sent once and never stored by this page."),
    form,
  );
  token.focus();
}

/** @param {{ principal: { id: string, roles: string[] }, csrfToken: string | null }} session */
async function signedIn(session) {
  setCsrfToken(session.csrfToken);
  replace(whoName, `${session.principal.id} (${session.principal.roles.join(", ") || "no roles"})`);
  nav.hidden = false;
  who.hidden = false;
  startEvents();
  if (!location.hash.startsWith("#/")) location.hash = "#/inbox";
  else await render();
}

function startEvents() {
  stopEvents();
  events = new EventSource("/api/events");
  events.addEventListener("open", () => {
    connections++;
    void refreshCount();
    current?.onEvent?.({ type: "resync" });
  });
  for (const type of ["pending", "votes", "run", "ledger"]) {
    events.addEventListener(type, (message) => {
      let event;
      try {
        event = JSON.parse(/** @type {MessageEvent} */ (message).data);
      } catch {
        return;
      }
      if (type === "pending" || type === "votes") void refreshCount();
      current?.onEvent?.(event);
    });
  }
}

function stopEvents() {
  events?.close();
  events = undefined;
}

async function refreshCount() {
  try {
    const page = await api("/api/checkpoints?limit=500");
    setCount(page.items.length);
  } catch {
    // the next event tries again
  }
}

async function render() {
  const ticket = ++rendering;
  const connectionsAtStart = connections;
  current?.dispose?.();
  current = undefined;
  const [section = "inbox", id] = location.hash
    .slice(2)
    .split("/")
    .map((part) => decodeURIComponent(part));
  for (const link of nav.querySelectorAll("a")) {
    if (link.dataset.section === section || (section === "checkpoint" && link.dataset.section === "inbox"))
      link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  main.setAttribute("aria-busy", "true");
  // Each view draws into its own element, shown once it is ready: a view left behind (still
  // answering a late event) only ever changes an element that is no longer on the page.
  const root = h("div", { class: "view" });
  try {
    /** @type {View} */
    let view;
    if (section === "checkpoint" && id) view = await checkpointView(root, id);
    else if (section === "runs" && id) view = await runView(root, id);
    else if (section === "runs") view = await runsView(root);
    else if (section === "ledger") view = await ledgerView(root);
    else view = await inboxView(root, setCount);
    if (ticket !== rendering) return view.dispose?.();
    current = view;
    replace(main, root);
    if (connections !== connectionsAtStart) view.onEvent?.({ type: "resync" });
    root.querySelector("h1")?.focus();
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return showSignIn("Your session ended; sign in again.");
    replace(
      main,
      h("h1", { tabindex: -1 }, "Something went wrong"),
      h(
        "p",
        { class: "error", role: "alert" },
        error instanceof ApiError ? `${error.message} (${error.code})` : String(error),
      ),
    );
  } finally {
    main.setAttribute("aria-busy", "false");
  }
}

document.getElementById("sign-out")?.addEventListener("click", async () => {
  await api("/api/session", { method: "DELETE" }).catch(() => undefined);
  showSignIn("You are signed out.");
});

document.getElementById("skip")?.addEventListener("click", (event) => {
  event.preventDefault();
  main.focus();
});

window.addEventListener("hashchange", () => {
  if (location.hash.startsWith("#/") && nav.hidden === false) void render();
});

(async () => {
  try {
    const session = await api("/api/session");
    await signedIn(session);
    void refreshCount();
  } catch (error) {
    showSignIn(error instanceof ApiError && error.status !== 401 ? error.message : "");
  }
})();
