import type { Page } from "playwright-core";
import { expect } from "vitest";
import type { Browser } from "./browser.js";
import { TOKEN, type Stack } from "./stack.js";

/** The console's two screens the tests use: a laptop and a phone. */
export const CONSOLE_DESKTOP = { width: 1280, height: 800 };
export const CONSOLE_PHONE = { width: 390, height: 844 };

/**
 * The console on `feedId`, signed in (the token is in the tab's sessionStorage, as the form puts
 * it); with `token` null, its sign-in screen.
 */
export async function openConsole(
  browser: Browser,
  stack: Stack,
  feedId: string,
  viewport = CONSOLE_DESKTOP,
  token: string | null = TOKEN,
): Promise<Page> {
  const page = await browser.context.newPage();
  await page.setViewportSize(viewport);
  if (token !== null) await page.addInitScript((t) => sessionStorage.setItem("liveline-editor-token", t), token);
  // Each console tab starts as on a fresh browser, with no unsent entry from another test's tab
  // (they share one profile); a reload of this tab still brings its own back.
  await page.addInitScript(() => {
    if (sessionStorage.getItem("test-tab-started") !== null) return;
    sessionStorage.setItem("test-tab-started", "1");
    localStorage.removeItem("liveline-console-compose");
  });
  await page.goto(`${stack.url}/console?feed=${feedId}`);
  if (token === null) {
    // Signed out, the sign-in screen; signed in already (a session cookie), the desk.
    await page.locator("#sign-in:visible, #desk:visible").first().waitFor();
    return page;
  }
  await page.locator("#body .ProseMirror").waitFor();
  await expect.poll(() => page.locator("#feed").inputValue()).toBe(feedId);
  await expect.poll(() => page.locator("#current-feed").textContent()).toMatch(/^Feed: /);
  return page;
}

/** The composer's editable text. */
export const editor = (page: Page) => page.locator("#body .ProseMirror");

/** Paste `html` into the composer as a browser does it (a paste event with clipboard data). */
export async function pasteHtml(page: Page, html: string, text = ""): Promise<void> {
  await editor(page).focus();
  await editor(page).evaluate(
    (el, data) => {
      const dt = new DataTransfer();
      if (data.html !== "") dt.setData("text/html", data.html);
      dt.setData("text/plain", data.text);
      el.dispatchEvent(new ClipboardEvent("paste", { clipboardData: dt, bubbles: true, cancelable: true }));
    },
    { html, text },
  );
}
