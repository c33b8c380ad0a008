/// <reference lib="dom" />
// The callbacks given to page.evaluate run in the browser.
import { existsSync } from "node:fs";
import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeApp, type TestApp } from "./support/app.js";
import { holdEvents, launchChromium, openPage, signIn, tabTo } from "./support/browser.js";
import { call, PEOPLE, principal, startServer, waitFor, WAIT_MS, type Running } from "./support/server.js";

let browser: Browser;
let app: TestApp;
let running: Running;

// The page must show a files.move checkpoint before it expires: a loaded machine's browser can take seconds.
const MOVE_EXPIRES_MS = 10_000;

beforeAll(async () => {
  browser = await launchChromium();
  app = await makeApp();
  running = await startServer(app, { policy: { rules: { "files.move": { expireAfterMs: MOVE_EXPIRES_MS } } } });
  // Chromium starts: seconds alone, far longer where every package's tests share two cores.
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await running?.close();
  await app?.close();
});

const HOSTILE = `<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>"'><svg onload=window.__pwned=3>`;

describe("the web page", () => {
  it("signs in with the token, keeps it nowhere, and refuses a wrong one", async () => {
    const { page, context, clean } = await openPage(browser);
    await page.goto(running.url);
    await page.locator("#token").fill("not-a-token");
    await page.keyboard.press("Enter");
    await page.locator("#sign-in-error", { hasText: "That token is not one this server knows" }).waitFor();
    await signIn(page, running.url, "alice");
    expect(await page.locator("#who-name").textContent()).toBe("alice (admin)");
    const html = await page.evaluate(() => document.documentElement.outerHTML);
    expect(html).not.toContain(PEOPLE.alice.token);
    expect(await page.evaluate(() => [document.cookie, localStorage.length, sessionStorage.length])).toEqual([
      "",
      0,
      0,
    ]);
    const [cookie] = await context.cookies();
    expect(cookie).toMatchObject({ name: "cortex_session", httpOnly: true, sameSite: "Strict" });
    expect(cookie!.value).not.toContain(PEOPLE.alice.token);
    await page.locator("#sign-out").click();
    await page.locator("#token").waitFor();
    expect((await context.cookies()).filter((c) => c.value !== "")).toEqual([]);
    await clean();
    await context.close();
  });

  it("shows a paused write live with its diff; approving it (by keyboard) resumes the run and writes the file", async () => {
    const { page, context, clean } = await openPage(browser);
    await signIn(page, running.url, "april");
    await page.locator("h1", { hasText: "Pending approvals" }).waitFor();
    const checkpoint = await app.pause("files__write", {
      path: "notes/plan.md",
      content: "step one\nstep two\n",
      createDirectories: true,
    });
    const card = page.locator("#pending-list li", { hasText: "files.write" }).filter({ hasText: "notes/plan.md" });
    await card.waitFor();
    expect(await page.locator("#live").textContent()).toContain("New approval request: files.write");
    await tabTo(page, "#pending-list a");
    await page.keyboard.press("Enter");
    await page.locator("h1", { hasText: "files.write" }).waitFor();
    expect(page.url()).toContain(`#/checkpoint/${checkpoint.id}`);
    expect(await page.locator(".diff .add").allTextContents()).toEqual(["added: +step one\n", "added: +step two\n"]);
    expect(await page.locator(".summary").textContent()).toBe("create notes/plan.md (2 lines)");
    expect(JSON.parse((await page.locator("#params").textContent())!)).toEqual({
      path: "notes/plan.md",
      content: "step one\nstep two\n",
      createDirectories: true,
    });
    expect(await page.locator("code.hash").first().textContent()).toBe(checkpoint.approvalId);
    expect(await page.locator("blockquote").textContent()).toContain("files__write");
    await tabTo(page, "#reason");
    await page.keyboard.type("the plan is fine");
    await tabTo(page, "button.approve");
    await page.keyboard.press("Enter");
    await page.locator(".notice", { hasText: "Approved: the run resumes with exactly this call." }).waitFor();
    await waitFor(() => existsSync(join(app.root, "notes/plan.md")), WAIT_MS, "the file");
    expect(await readFile(join(app.root, "notes/plan.md"), "utf8")).toBe("step one\nstep two\n");

    await page.locator("nav a", { hasText: "Runs" }).click();
    const row = page.locator("tr", { hasText: checkpoint.runId });
    await row.locator(".status-completed").waitFor();
    await row.locator("a").click();
    await page
      .locator(".timeline li", { hasText: "checkpoint.resolve" })
      .filter({ hasText: "the plan is fine" })
      .waitFor();
    expect(await page.locator(".timeline li strong").allTextContents()).toEqual(
      expect.arrayContaining(["run.start", "checkpoint.create", "checkpoint.resolve", "tool.complete", "run.complete"]),
    );
    await clean();
    await context.close();
  });

  it("catches up on what the server announced while the page's event stream was not connected yet", async () => {
    const { page, context, clean } = await openPage(browser);
    // Holds the page's event stream until the server has announced the checkpoint: that event is lost.
    const connect = await holdEvents(page);
    await signIn(page, running.url, "april");
    await page.locator("h1", { hasText: "Pending approvals" }).waitFor();
    const checkpoint = await app.pause("files__write", { path: "missed.txt", content: "missed\n" });
    await waitFor(
      async () =>
        (
          await call<{ items: { checkpointId: string }[] }>(running.url, "/api/checkpoints", { as: "april" })
        ).body.items.some((item) => item.checkpointId === checkpoint.id),
      WAIT_MS,
      "the server to list the checkpoint",
    );
    // Two more polls: the server has published the change to every stream that was open.
    await sleep(250);
    const card = page.locator("#pending-list li", { hasText: "missed.txt" });
    expect(await card.count()).toBe(0);
    connect();
    await card.waitFor();
    await clean();
    await context.close();
  });

  it("keeps the focus on the heading when a view loads again as its event stream connects", async () => {
    const checkpoint = await app.pause("files__write", { path: "focus.txt", content: "focus\n" });
    const { page, context, clean } = await openPage(browser);
    await signIn(page, running.url, "april");
    await page.goto(`${running.url}/#/checkpoint/${checkpoint.id}`);
    await page.locator("h1", { hasText: "files.write" }).waitFor();
    // Loaded afresh with the stream held: the view is shown (its heading focused) before the stream connects.
    const connect = await holdEvents(page);
    await page.reload();
    await page.locator("main h1", { hasText: "files.write" }).waitFor();
    expect(await page.evaluate(() => document.activeElement?.tagName)).toBe("H1");
    await page.evaluate(() => document.querySelector("main h1")?.setAttribute("data-first", ""));
    connect();
    await page.locator("main h1:not([data-first])", { hasText: "files.write" }).waitFor();
    expect(await page.evaluate(() => document.activeElement?.tagName)).toBe("H1");
    await clean();
    await context.close();
  });

  it("runs an ADMIN delete only after two different admins approve it, each in their own browser", async () => {
    await writeFile(join(app.root, "obsolete.txt"), "old\n");
    const checkpoint = await app.pause("files__delete", { path: "obsolete.txt" }, { principal: principal("carol") });
    const [alice, bob, carol] = await Promise.all([openPage(browser), openPage(browser), openPage(browser)]);
    for (const [watched, person] of [
      [alice, "alice"],
      [bob, "bob"],
      [carol, "carol"],
    ] as const) {
      await signIn(watched.page, running.url, person);
      await watched.page.goto(`${running.url}/#/checkpoint/${checkpoint.id}`);
      await watched.page.locator("h1", { hasText: "files.delete" }).waitFor();
    }
    expect(await carol.page.locator("button.approve").isDisabled()).toBe(true);
    await carol.page.locator(".notice", { hasText: "the run acts for you: another principal must approve" }).waitFor();
    // The files plugin previews a delete as a summary of what would go (no diff).
    expect(await alice.page.locator(".summary").textContent()).toBe("delete file obsolete.txt (4 bytes)");
    // Bob is typing when Alice's vote arrives: his page draws the votes again, and keeps his text and focus.
    await bob.page.locator("#reason").fill("the file list is right");

    await alice.page.locator("button.approve").click();
    await alice.page.locator(".notice", { hasText: "Your approval is recorded: 1 of 2." }).waitFor();
    expect(existsSync(join(app.root, "obsolete.txt"))).toBe(true);
    expect(await alice.page.locator("button.approve").isDisabled()).toBe(true);
    // The same person again, straight through the API with the page's own session: refused.
    const again = await alice.page.evaluate(
      async ({ id, approvalId }) => {
        const { csrfToken } = (await (await fetch("/api/session")).json()) as { csrfToken: string };
        const response = await fetch(`/api/checkpoints/${id}/decision`, {
          method: "POST",
          headers: { "content-type": "application/json", "x-csrf-token": csrfToken },
          body: JSON.stringify({ decision: "approve", approvalId }),
        });
        return [response.status, ((await response.json()) as { error: { code: string } }).error.code];
      },
      { id: checkpoint.id, approvalId: checkpoint.approvalId },
    );
    expect(again).toEqual([409, "CORTEX_SERVER_ALREADY_VOTED"]);
    expect(existsSync(join(app.root, "obsolete.txt"))).toBe(true);

    // Bob's page learned of Alice's vote live.
    await bob.page.locator(".votes", { hasText: "1 of 2 approvals" }).waitFor();
    await bob.page.locator(".vote-list li", { hasText: "alice approved" }).waitFor();
    expect(await bob.page.locator("#reason").inputValue()).toBe("the file list is right");
    expect(await bob.page.evaluate(() => document.activeElement?.id)).toBe("reason");
    await bob.page.locator("button.approve").click();
    await bob.page.locator(".notice", { hasText: "Approved" }).waitFor();
    await waitFor(() => !existsSync(join(app.root, "obsolete.txt")), WAIT_MS, "the delete");

    await bob.page.locator("nav a", { hasText: "Ledger" }).click();
    await bob.page
      .locator("tr.kind-decision", { hasText: "APPROVED" })
      .filter({ hasText: "files.delete" })
      .filter({ hasText: "the file list is right" })
      .waitFor();
    await bob.page.locator("#verify").click();
    await bob.page.locator("#verify-result .ok", { hasText: "Intact" }).waitFor();
    for (const watched of [alice, bob, carol]) {
      await watched.clean();
      await watched.context.close();
    }
  });

  it("denies with a reason", async () => {
    const { page, context, clean } = await openPage(browser);
    await signIn(page, running.url, "april");
    const checkpoint = await app.pause("files__write", { path: "denied.txt", content: "no" });
    await page.goto(`${running.url}/#/checkpoint/${checkpoint.id}`);
    await page.locator("#reason").fill("wrong folder");
    await page.locator("button.deny").click();
    await page.locator(".notice", { hasText: "Denied: the run resumes and the agent is told." }).waitFor();
    await page.goto(`${running.url}/#/ledger`);
    await page.locator("tr.kind-decision", { hasText: "DENIED" }).filter({ hasText: "wrong folder" }).waitFor();
    await page.goto(`${running.url}/#/runs/${checkpoint.runId}`);
    await page.locator(".status-completed").waitFor();
    expect(existsSync(join(app.root, "denied.txt"))).toBe(false);
    await clean();
    await context.close();
  });

  it("shows a checkpoint that nobody decided expire: it leaves the inbox and the ledger says so", async () => {
    const { page, context, clean } = await openPage(browser);
    await signIn(page, running.url, "bob");
    await writeFile(join(app.root, "stay.txt"), "stay");
    await app.pause("files__move", { from: "stay.txt", to: "moved.txt" });
    const card = page.locator("#pending-list li", { hasText: "files.move" });
    await card.waitFor();
    await card.waitFor({ state: "detached", timeout: MOVE_EXPIRES_MS + WAIT_MS });
    await page.locator("nav a", { hasText: "Ledger" }).click();
    await page.locator("tr.kind-decision", { hasText: "EXPIRED" }).filter({ hasText: "(expiry)" }).waitFor();
    expect(existsSync(join(app.root, "stay.txt"))).toBe(true);
    await clean();
    await context.close();
  });

  it("renders hostile strings from plugins, models and people as text, everywhere", async () => {
    const checkpoint = await app.pause(
      "files__write",
      { path: "hostile.txt", content: `${HOSTILE}\n` },
      { note: HOSTILE },
    );
    const { page, context, clean } = await openPage(browser);
    await signIn(page, running.url, "alice");
    await page.locator("#pending-list li", { hasText: "hostile.txt" }).waitFor();
    await page.goto(`${running.url}/#/checkpoint/${checkpoint.id}`);
    await page.locator(".diff .add").first().waitFor();
    expect(await page.locator(".diff .add").first().textContent()).toBe(`added: +${HOSTILE}\n`);
    expect(await page.locator("blockquote").textContent()).toContain("<script>window.__pwned=2</script>");
    await page.locator("#reason").fill(HOSTILE);
    await page.locator("button.deny").click();
    await page.locator(".notice", { hasText: "Denied" }).waitFor();
    await page.goto(`${running.url}/#/ledger`);
    await page.locator("tr.kind-decision td.text", { hasText: "<img src=x" }).first().waitFor();
    await page.goto(`${running.url}/#/runs/${checkpoint.runId}`);
    await page.locator(".timeline li p.text", { hasText: "<script>" }).first().waitFor();
    for (const view of ["#/inbox", `#/runs/${checkpoint.runId}`, "#/ledger"]) {
      await page.goto(`${running.url}/${view}`);
      await page.locator("main h1").waitFor();
      expect(
        await page.evaluate(() => [
          document.querySelectorAll("main img, main script, main svg, main iframe").length,
          (window as { __pwned?: number }).__pwned,
        ]),
      ).toEqual([0, undefined]);
    }
    await clean();
    await context.close();
  });

  it("is readable on a phone: nothing wider than the screen, buttons big enough to tap", async () => {
    const checkpoint = await app.pause("files__write", { path: "phone.txt", content: "a long line ".repeat(40) });
    const { page, context, clean } = await openPage(browser, {
      viewport: { width: 390, height: 844 },
      isMobile: true,
      hasTouch: true,
      deviceScaleFactor: 2,
    });
    await signIn(page, running.url, "april");
    for (const view of ["#/inbox", `#/checkpoint/${checkpoint.id}`, "#/runs", "#/ledger"]) {
      await page.goto(`${running.url}/${view}`);
      await page.locator("main h1").waitFor();
      await page.waitForLoadState("networkidle");
      expect([view, await page.evaluate(() => document.documentElement.scrollWidth)]).toEqual([view, 390]);
    }
    await page.goto(`${running.url}/#/checkpoint/${checkpoint.id}`);
    const approve = await page.locator("button.approve").boundingBox();
    expect(approve!.height).toBeGreaterThanOrEqual(40);
    expect(approve!.x + approve!.width).toBeLessThanOrEqual(390);
    await clean();
    await context.close();
  });
});

describe("the browser the tests drive", () => {
  it("is Debian's Chromium, and its absence fails the tests naming the package (never a skip)", async () => {
    const { execFileSync } = await import("node:child_process");
    const script = `process.env.CORTEX_CHROMIUM = "/nonexistent/chromium"; const { launchChromium } = await import("./test/support/browser.ts"); await launchChromium().then(() => console.log("launched"), (e) => console.log(e.message));`;
    const out = execFileSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
      cwd: join(import.meta.dirname, ".."),
      encoding: "utf8",
    });
    expect(out).toContain("install Debian's chromium package (apt-get install -y chromium");
    expect(browser.version()).toMatch(/^\d+\./);
  });
});

describe("the page's scripts", () => {
  it("never build HTML from strings", async () => {
    const dir = new URL("../web/js/", import.meta.url);
    for (const name of await readdir(dir)) {
      const text = await readFile(new URL(name, dir), "utf8");
      expect([
        name,
        text.match(/innerHTML|outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function|setAttribute\("on/g),
      ]).toEqual([name, null]);
    }
  });
});
