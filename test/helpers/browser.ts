import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { chromium, type BrowserContext, type LaunchOptions } from "playwright-core";
import { afterAll, beforeAll } from "vitest";
import { bundledChromium } from "./bundled-chromium.js";
import { findBrowser, isExecutableFile } from "./find-browser.js";
import { lateBound } from "./late-bound.js";
import { testFontsEnv } from "./test-fonts.js";

const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export interface Browser {
  context: BrowserContext;
  /** The bundled headless shell (no system Chromium): it denies notification permission. */
  readonly bundled: boolean;
  close(): Promise<void>;
}

/**
 * Where the browser comes from: see find-browser.ts (CHROMIUM_PATH, system, or bundled). Either
 * one renders with the fonts the tests ship (test-fonts.ts), laid out under `dir`.
 */
async function browserLaunch(dir: string): Promise<LaunchOptions & { bundled: boolean }> {
  const choice = findBrowser(process.env, isExecutableFile);
  const common = { headless: true, args: ARGS };
  const env = { ...definedEnv(), ...testFontsEnv(dir) };
  if (choice.source !== "bundled") return { ...common, executablePath: choice.executablePath, env, bundled: false };
  const bundled = await bundledChromium();
  // Only the browser process sees the package's libraries, ahead of the system's.
  const inherited = process.env.LD_LIBRARY_PATH ?? "";
  const libraryPath = inherited === "" ? bundled.libraryPath : `${bundled.libraryPath}${delimiter}${inherited}`;
  return {
    ...common,
    executablePath: bundled.executablePath,
    env: { ...env, LD_LIBRARY_PATH: libraryPath },
    bundled: true,
  };
}

/** process.env without its unset entries, as playwright's `env` option takes it. */
function definedEnv(): Record<string, string> {
  return Object.fromEntries(
    Object.entries(process.env).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
}

export interface BrowserOptions {
  /** IANA time zone of the pages, e.g. "Europe/London". @default the machine's */
  timezoneId?: string;
  /** @default "en-US" */
  locale?: string;
  /** @default { width: 900, height: 800 } */
  viewport?: { width: number; height: number };
}

/**
 * One headless Chromium with a fresh profile and the tests' own fonts. Reduced motion is on,
 * so scrolling is instant (the widget honours prefers-reduced-motion). A test file usually
 * wants `useBrowser` instead.
 */
export async function launchBrowser(options: BrowserOptions = {}): Promise<Browser> {
  const dir = mkdtempSync(join(tmpdir(), "liveline-chromium-"));
  const { bundled, ...launch } = await browserLaunch(dir);
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(join(dir, "profile"), {
      ...launch,
      viewport: options.viewport ?? { width: 900, height: 800 },
      reducedMotion: "reduce",
      locale: options.locale ?? "en-US",
      ...(options.timezoneId === undefined ? {} : { timezoneId: options.timezoneId }),
    });
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    context,
    bundled,
    close: async () => {
      await context.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * One browser for the whole test file, launched in `beforeAll` and closed in `afterAll`.
 * Declare it at the top of the file and use it in tests; each test opens its own pages.
 *
 * @example
 * const browser = useBrowser({ timezoneId: "Europe/London", locale: "en-GB" });
 * it("shows the widget", async () => {
 *   const page = await browser.context.newPage();
 * });
 */
export function useBrowser(options: BrowserOptions = {}): Browser {
  let browser: Browser | undefined;
  beforeAll(async () => {
    browser = await launchBrowser(options);
  });
  afterAll(async () => {
    await browser?.close();
  });
  return lateBound("useBrowser's browser", () => browser);
}
