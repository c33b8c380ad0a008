// @ts-check
import { api, ApiError } from "./api.js";
import { renderDiff } from "./diff.js";
import { announce, h, json, redraw, replace, route, tierBadge, time } from "./dom.js";

/**
 * @typedef {import("./inbox.js").View} View
 * @typedef {{ role: string, content?: string, name?: string, toolCalls?: { name: string, arguments: unknown }[] }} Message
 */

/**
 * @param {string} term
 * @param {import("./dom.js").Child | import("./dom.js").Child[]} value
 */
const row = (term, value) => [h("dt", {}, term), h("dd", {}, value)];

/** @param {any} preview */
function previewSection(preview) {
  let body;
  if (preview.preview) {
    body = [
      h("p", { class: "summary" }, preview.preview.summary),
      preview.preview.diff ? renderDiff(preview.preview.diff) : null,
      preview.preview.details !== undefined
        ? h("pre", { class: "json", tabindex: 0 }, json(preview.preview.details))
        : null,
    ];
  } else if (preview.error) {
    body = h("p", { class: "notice" }, `No preview: ${preview.error.message} (${preview.error.code})`);
  } else {
    body = h("p", { class: "muted" }, "This plugin offers no preview of this action; decide from the parameters.");
  }
  return h(
    "section",
    { class: "panel", "aria-labelledby": "preview-title" },
    h("h2", { id: "preview-title" }, "Preview"),
    body,
  );
}

/** @param {Message} message */
function messageItem(message) {
  return h(
    "li",
    { class: `message role-${/^[a-z]+$/.test(message.role) ? message.role : "other"}` },
    h("span", { class: "role" }, message.role === "tool" ? `tool result (${message.name ?? ""})` : message.role),
    message.content ? h("p", { class: "text" }, message.content) : null,
    (message.toolCalls ?? []).map((call) =>
      h(
        "div",
        { class: "call" },
        h("span", { class: "mono" }, call.name),
        h("pre", { class: "json" }, json(call.arguments)),
      ),
    ),
  );
}

/**
 * One checkpoint: the exact call, its preview, its votes, its run's
 * context, and the form to approve or deny it.
 * @param {HTMLElement} root the element the view draws into
 * @param {string} checkpointId
 * @returns {Promise<View>}
 */
export async function checkpointView(root, checkpointId) {
  /** @type {string} */
  let lastStatus = "";

  async function render() {
    let view;
    try {
      view = await api(`/api/checkpoints/${encodeURIComponent(checkpointId)}`);
    } catch (error) {
      if (
        error instanceof ApiError &&
        (error.code === "CORTEX_SERVER_ALREADY_DECIDED" || error.code === "CORTEX_SERVER_NOT_FOUND")
      ) {
        replace(
          root,
          h("p", {}, h("a", { href: "#/inbox" }, "← Inbox")),
          h("h1", { tabindex: -1 }, "Nothing to decide here"),
          h("p", { class: "notice", role: "status", id: "decided", tabindex: -1 }, lastStatus || error.message),
          h("p", {}, "See the ", h("a", { href: "#/ledger" }, "ledger"), " for who decided what."),
        );
        return;
      }
      throw error;
    }
    const { checkpoint, votes, you, run } = view;
    const name = `${checkpoint.plugin}.${checkpoint.action}`;
    const inputAt = run.messages.findIndex((/** @type {Message} */ message) => message.role === "user");
    const reason = /** @type {HTMLTextAreaElement} */ (
      h("textarea", { id: "reason", name: "reason", rows: 3, maxlength: 2000, "aria-describedby": "reason-help" })
    );
    const feedback = h("p", { id: "decide-status", role: "status" });

    /** @param {"approve" | "deny"} decision */
    async function decide(decision) {
      for (const button of form.querySelectorAll("button")) button.disabled = true;
      replace(feedback, decision === "approve" ? "Recording your approval…" : "Recording your denial…");
      try {
        const result = await api(`/api/checkpoints/${encodeURIComponent(checkpointId)}/decision`, {
          method: "POST",
          body: {
            decision,
            approvalId: checkpoint.approvalId,
            ...(reason.value.trim() ? { reason: reason.value.trim() } : {}),
          },
        });
        // Recorded with the vote: the form drawn again starts empty.
        reason.value = "";
        lastStatus =
          result.status === "pending"
            ? `Your approval is recorded: ${result.approvals.length} of ${result.quorum}. Another principal must approve too.`
            : result.status === "approved"
              ? "Approved: the run resumes with exactly this call."
              : "Denied: the run resumes and the agent is told.";
        announce(lastStatus);
        await render();
        // Keyboard users land on the outcome, not at the top of the page.
        /** @type {HTMLElement | null} */ (root.querySelector("#decided, .notice"))?.focus();
      } catch (error) {
        replace(
          feedback,
          h("span", { class: "error" }, error instanceof ApiError ? `${error.message} (${error.code})` : String(error)),
        );
        for (const button of form.querySelectorAll("button")) button.disabled = false;
      }
    }

    const form = h(
      "form",
      { class: "decide", onsubmit: (event) => event.preventDefault() },
      h("label", { for: "reason" }, "Reason ", h("span", { class: "muted" }, "(optional; recorded in the ledger)")),
      reason,
      h(
        "p",
        { id: "reason-help", class: "muted small" },
        "Approving allows exactly the call above: the same plugin, action and parameters.",
      ),
      h(
        "div",
        { class: "actions" },
        h(
          "button",
          {
            type: "button",
            class: "approve",
            "data-decision": "approve",
            disabled: !you.canApprove,
            onclick: () => void decide("approve"),
          },
          "Approve",
        ),
        h(
          "button",
          {
            type: "button",
            class: "deny",
            "data-decision": "deny",
            disabled: !you.canDeny,
            onclick: () => void decide("deny"),
          },
          "Deny",
        ),
      ),
      feedback,
    );

    // Drawn again on every vote and reconnection: what the person typed and where their focus was stay.
    reason.value = /** @type {HTMLTextAreaElement | null} */ (root.querySelector("#reason"))?.value ?? "";
    redraw(
      root,
      h("p", {}, h("a", { href: "#/inbox" }, "← Inbox")),
      h("h1", { tabindex: -1 }, tierBadge(checkpoint.tier), " ", name),
      lastStatus ? h("p", { class: "notice", role: "status", id: "decided", tabindex: -1 }, lastStatus) : null,
      h(
        "div",
        { class: "columns" },
        h(
          "div",
          {},
          h(
            "section",
            { class: "panel", "aria-labelledby": "call-title" },
            h("h2", { id: "call-title" }, "The exact call"),
            h(
              "dl",
              { class: "facts" },
              row("Plugin", h("span", { class: "mono" }, checkpoint.plugin)),
              row("Action", h("span", { class: "mono" }, checkpoint.action)),
              row("Tier", checkpoint.tier),
              row("Agent", h("span", { class: "mono" }, checkpoint.agentId)),
              row("Run", h("a", { href: route("runs", checkpoint.runId), class: "mono" }, checkpoint.runId)),
              row(
                "Acts for",
                run.principal
                  ? `${run.principal.id} (${run.principal.roles.join(", ") || "no roles"})`
                  : "nobody in particular",
              ),
              row("Paused", time(checkpoint.createdAt)),
              row("Expires", time(checkpoint.expiresAt)),
              row("Approval id", h("code", { class: "hash" }, checkpoint.approvalId)),
            ),
            h("h3", {}, "Parameters"),
            h("pre", { class: "json", id: "params", tabindex: 0 }, json(checkpoint.params)),
          ),
          h(
            "section",
            { class: "panel", "aria-labelledby": "decide-title" },
            h("h2", { id: "decide-title" }, "Decide"),
            h(
              "p",
              { class: "votes" },
              `${votes.approvals.length} of ${votes.quorum} approvals`,
              votes.quorum > 1
                ? ` (from ${votes.quorum} different principals with the role ${view.rule.roles.join(" or ")})`
                : "",
            ),
            votes.list.length
              ? h(
                  "ul",
                  { class: "vote-list" },
                  votes.list.map((/** @type {any} */ vote) =>
                    h(
                      "li",
                      {},
                      h("strong", {}, vote.principal),
                      ` ${vote.decision === "approve" ? "approved" : "denied"} `,
                      time(vote.at),
                      vote.reason ? h("q", {}, vote.reason) : null,
                    ),
                  ),
                )
              : null,
            you.why ? h("p", { class: "notice" }, `You cannot ${you.canDeny ? "approve" : "vote"}: ${you.why}.`) : null,
            form,
          ),
        ),
        h(
          "div",
          {},
          previewSection(view.preview),
          h(
            "section",
            { class: "panel", "aria-labelledby": "run-title" },
            h("h2", { id: "run-title" }, "Run context"),
            h("p", {}, `Step ${run.steps} of agent `, h("span", { class: "mono" }, run.agentId), "."),
            run.input !== null ? [h("h3", {}, "Input"), h("blockquote", { class: "text" }, run.input)] : null,
            h("h3", {}, "Conversation so far"),
            h(
              "ol",
              { class: "messages" },
              // The system prompt is the app's; the first user message is the input shown above.
              run.messages
                .filter((/** @type {Message} */ m, /** @type {number} */ i) => m.role !== "system" && i !== inputAt)
                .map(messageItem),
            ),
          ),
        ),
      ),
    );
  }

  await render();
  return {
    onEvent(event) {
      if (
        event.type === "resync" ||
        (event.type === "votes" && event.checkpointId === checkpointId) ||
        (event.type === "pending" && Array.isArray(event.removed) && event.removed.includes(checkpointId))
      )
        void render().catch(() => undefined);
    },
  };
}
