/// <reference lib="dom" />
// Takes the README's screenshots of the inbox (docs/server/*.png) in
// Debian's Chromium, from a real deployment: an app whose runs pause on
// files-plugin calls, and the server beside it. Run: pnpm screenshots.
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { makeApp } from "../test/support/app.js";
import { launchChromium, signIn } from "../test/support/browser.js";
import { principal, startServer, vote, waitFor } from "../test/support/server.js";

const DOCS = fileURLToPath(new URL("../../../docs/server/", import.meta.url));

const app = await makeApp();
const running = await startServer(app);
const browser = await launchChromium();
try {
  await writeFile(join(app.root, "plan.md"), "# Week plan\n\n- Monday: review\n- Tuesday: write\n");
  await writeFile(join(app.root, "old-report.pdf"), "x");
  const done = await app.pause("files__write", { path: "notes/done.md", content: "done\n", createDirectories: true });
  await vote(running.url, "april", done.id, { decision: "approve", approvalId: done.approvalId, reason: "fine" });
  const write = await app.pause("files__write", {
    path: "plan.md",
    content: "# Week plan\n\n- Monday: review the launch\n- Tuesday: write\n- Wednesday: ship\n",
    overwrite: true,
  });
  const del = await app.pause("files__delete", { path: "old-report.pdf" }, { principal: principal("carol") });
  await vote(running.url, "alice", del.id, {
    decision: "approve",
    approvalId: del.approvalId,
    reason: "superseded by the new report",
  });
  await waitFor(() => running.server.poll().then(() => true));

  const desktop = await browser.newPage({ viewport: { width: 1100, height: 640 } });
  await signIn(desktop, running.url, "bob");
  await desktop.locator("#pending-list li").nth(1).waitFor();
  await desktop.screenshot({ path: join(DOCS, "inbox.png") });
  await desktop.setViewportSize({ width: 1100, height: 900 });
  await desktop.goto(`${running.url}/#/checkpoint/${write.id}`);
  await desktop.locator(".diff").waitFor();
  await desktop.screenshot({ path: join(DOCS, "approval.png") });
  await desktop.goto(`${running.url}/#/ledger`);
  await desktop.locator("tr.kind-decision").first().waitFor();
  await desktop.locator("#verify").click();
  await desktop.locator("#verify-result .ok").waitFor();
  await desktop.setViewportSize({ width: 1100, height: 520 });
  await desktop.screenshot({ path: join(DOCS, "ledger.png") });

  const phone = await browser.newPage({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  await signIn(phone, running.url, "bob");
  await phone.goto(`${running.url}/#/checkpoint/${del.id}`);
  await phone.locator("p.votes").waitFor();
  await phone.waitForTimeout(300);
  await phone.evaluate(() =>
    window.scrollTo(0, document.querySelector("#decide-title")!.getBoundingClientRect().top + window.scrollY - 12),
  );
  await phone.waitForTimeout(300);
  await phone.screenshot({ path: join(DOCS, "phone.png") });
  console.log(`screenshots written to ${DOCS}`);
} finally {
  await browser.close();
  await running.close();
  await app.close();
}
