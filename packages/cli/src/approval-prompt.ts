import { createInterface } from "node:readline";
import type { ActionPreview, ApprovalDecision } from "@cortex/plugins";
import type { CliIO } from "./io.js";
import { plainText, safeJson, text, type Printer } from "./printer.js";

/** The exact call a person is asked to approve. */
export interface ApprovalCall {
  plugin: string;
  action: string;
  tier: string;
  params: Readonly<Record<string, unknown>>;
  /** Who will act, for ADMIN calls. */
  principal?: string;
  /** What the call would change, when the plugin previews it. */
  preview?: ActionPreview;
}

/**
 * How approvals are decided: `yes` approves every call (`--yes`), `prompt`
 * asks on the terminal, `refuse` denies because nobody can be asked.
 */
export type ApprovalMode = "yes" | "prompt" | "refuse";

/** `--yes` wins; otherwise ask when a person is at a terminal; otherwise refuse. */
export function approvalMode(io: CliIO, yes: boolean): ApprovalMode {
  if (yes) return "yes";
  return io.interactive ? "prompt" : "refuse";
}

/** Why a call is refused when there is no terminal; shown to the user and, in runs, to the model. */
export const NO_TTY_REASON = "no terminal to ask for approval, and --yes was not given";

/** Prints the call exactly as it will run: plugin, action, tier and every parameter. */
export function describeCall(p: Printer, call: ApprovalCall): void {
  // Whatever was printed before (a model's text) must not hide or recolour the call.
  p.reset();
  const tier = p.style(call.tier === "ADMIN" ? ["red", "bold"] : ["yellow", "bold"], call.tier);
  p.line(text`${p.style("bold", "Approval needed:")} ${p.style("cyan", `${call.plugin}.${call.action}`)} (${tier})`);
  if (call.principal !== undefined) p.line(text`  acting as principal "${call.principal}"`);
  // Escaped, not stripped: the person sees every character the plugin will get.
  for (const line of safeJson(call.params).split("\n")) p.line(text`  ${line}`);
  if (call.preview !== undefined) describePreview(p, call.preview);
}

/** The plugin's preview of the call: its summary, its diff (added lines green, removed red), its details. */
function describePreview(p: Printer, preview: ActionPreview): void {
  p.line(text`${p.style("bold", "What it would change:")} ${preview.summary}`);
  if (preview.diff !== undefined) {
    for (const line of preview.diff.replace(/\n$/, "").split("\n")) {
      const added = line.startsWith("+") && !line.startsWith("+++");
      const removed = line.startsWith("-") && !line.startsWith("---");
      p.line(text`  ${added ? p.style("green", line) : removed ? p.style("red", line) : line}`);
    }
  }
  if (preview.details !== undefined) for (const line of safeJson(preview.details).split("\n")) p.line(text`  ${line}`);
}

/**
 * Shows the exact call on stderr and asks `Approve this exact call? [y/N]`.
 * Only `y` or `yes` approves; anything else, end of input or Ctrl+C denies.
 */
export function promptApproval(io: CliIO, p: Printer, call: ApprovalCall): Promise<ApprovalDecision> {
  describeCall(p, call);
  return new Promise((resolve) => {
    const terminal = (io.stdin as { isTTY?: boolean }).isTTY === true;
    const rl = createInterface({ input: io.stdin, output: io.stderr as NodeJS.WritableStream, terminal });
    let answered = false;
    const finish = (answer: string) => {
      if (answered) return;
      answered = true;
      rl.close();
      const approved = /^(y|yes)$/i.test(answer.trim());
      resolve(
        approved
          ? { approved: true, decidedBy: "cli user", reason: "at the terminal" }
          : { approved: false, decidedBy: "cli user", reason: "at the terminal" },
      );
    };
    rl.on("close", () => finish(""));
    rl.on("SIGINT", () => finish(""));
    rl.question(`${plainText(p.style("bold", "Approve this exact call?"))} [y/N] `, finish);
  });
}

/** Decides one call by the mode: approve (`--yes`), ask, or refuse (no terminal). */
export async function decide(io: CliIO, p: Printer, call: ApprovalCall, mode: ApprovalMode): Promise<ApprovalDecision> {
  switch (mode) {
    case "prompt":
      return promptApproval(io, p, call);
    case "yes":
      return { approved: true, decidedBy: "cli", reason: "automatically, --yes was given" };
    case "refuse":
      return { approved: false, decidedBy: "cli", reason: NO_TTY_REASON };
  }
}
