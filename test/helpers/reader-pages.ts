import type { Page } from "playwright-core";
import { vi } from "vitest";
import type { Browser } from "./browser.js";

/**
 * The fixed world the reader-facing browser tests draw in, so that screenshots compare pixel for
 * pixel: a clock stopped on 10 March 2026 (GMT in London), phone and desktop viewports.
 */
export const at = (hhmm: string): string => `2026-03-10T${hhmm}:00.000Z`;
export const NOW = at("14:45");
export const PHONE = { width: 390, height: 844 };
export const DESKTOP = { width: 1280, height: 800 };
export type Scheme = "light" | "dark";

/** A new tab at this size and colour scheme, its clock stopped at NOW. */
export async function newPage(browser: Browser, viewport = DESKTOP, scheme: Scheme = "light"): Promise<Page> {
  const page = await browser.context.newPage();
  await page.setViewportSize(viewport);
  await page.emulateMedia({ colorScheme: scheme });
  await page.clock.setFixedTime(NOW);
  return page;
}

/** A Liveline page (the feed page, say) opened once its widget is live. */
export async function openLivePage(browser: Browser, url: string, viewport = DESKTOP, scheme: Scheme = "light") {
  const page = await newPage(browser, viewport, scheme);
  await page.goto(url);
  await page.locator("#live .status[data-state=live]").waitFor();
  return page;
}

/** Run a write as if the server's clock said `iso` (the `at` of a change is taken on accept). */
export async function writeAt<T>(iso: string, write: () => Promise<T>): Promise<T> {
  vi.useFakeTimers({ toFake: ["Date"], now: new Date(iso) });
  try {
    return await write();
  } finally {
    vi.useRealTimers();
  }
}
