/// <reference lib="dom" />
// The callbacks given to page.evaluate run in the browser.
import { existsSync } from "node:fs";
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from "playwright-core";
import { expect } from "vitest";
import { PEOPLE, type Person } from "./server.js";

/** Debian's Chromium (`apt-get install -y chromium`); `CORTEX_CHROMIUM` names another build of it. */
export const CHROMIUM = process.env.CORTEX_CHROMIUM ?? "/usr/bin/chromium";

/** The flags every test browser runs with: headless, sandbox off (containers), nothing fetched from the network. */
export const CHROMIUM_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

/** Starts headless Chromium; fails, naming the package to install, when it is missing (never a downloaded browser). */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM))
    throw new Error(
      `The browser tests need Chromium at ${CHROMIUM}: install Debian's chromium package (apt-get install -y chromium, or bash scripts/ci-system-deps.sh chromium), or set CORTEX_CHROMIUM to its path.`,
    );
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_FLAGS });
}

/** A page that records script errors and Content-Security-Policy violations, and fails the test on either. */
export interface WatchedPage {
  page: Page;
  context: BrowserContext;
  /** Asserts no script error and no CSP violation happened so far. */
  clean(): Promise<void>;
}

/** A new browser context (its own cookies: one person) and a watched page in it. */
export async function openPage(browser: Browser, options: BrowserContextOptions = {}): Promise<WatchedPage> {
  const context = await browser.newContext(options);
  // Playwright's 30 s for a wait or an action is little for a browser on a machine running every package's tests.
  context.setDefaultTimeout(60_000);
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(error.message));
  page.on("console", (message) => {
    if (message.type() === "error" && !/status of 40\d/.test(message.text())) errors.push(message.text());
  });
  await page.addInitScript(() => {
    const seen: string[] = [];
    (window as unknown as { __violations: string[] }).__violations = seen;
    document.addEventListener("securitypolicyviolation", (event) =>
      seen.push(`${event.violatedDirective} ${event.blockedURI}`),
    );
  });
  return {
    page,
    context,
    async clean() {
      expect(errors).toEqual([]);
      expect(await page.evaluate(() => (window as unknown as { __violations: string[] }).__violations)).toEqual([]);
    },
  };
}

/** Presses Tab until `selector` has the focus (at most `max` times): proves it is reachable by keyboard. */
export async function tabTo(page: Page, selector: string, max = 40): Promise<void> {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press("Tab");
    if (await page.evaluate((wanted) => document.activeElement?.matches(wanted) ?? false, selector)) return;
  }
  throw new Error(`${selector} was not reached with ${max} presses of Tab`);
}

/**
 * Holds the page's event stream (`GET /api/events`) from now on: it connects
 * only once the returned function is called, so events sent before are lost
 * to the page.
 */
export async function holdEvents(page: Page): Promise<() => void> {
  let connect!: () => void;
  const held = new Promise<void>((resolve) => (connect = resolve));
  await page.route("**/api/events", async (route) => {
    await held;
    await route.continue();
  });
  return connect;
}

/** Signs a person in through the page's form, with the keyboard only. */
export async function signIn(page: Page, url: string, person: Person): Promise<void> {
  await page.goto(url);
  await page.locator("#token").waitFor();
  expect(await page.evaluate(() => document.activeElement?.id)).toBe("token");
  await page.keyboard.type(PEOPLE[person].token);
  await page.keyboard.press("Enter");
  await page.locator("#who-name", { hasText: person }).waitFor();
}
