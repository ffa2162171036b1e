import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { chromium, type BrowserContext, type LaunchOptions } from "playwright-core";
import { bundledChromium } from "./bundled-chromium.js";
import { findBrowser, isExecutableFile } from "./find-browser.js";

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

/** Where the browser comes from: see find-browser.ts (CHROMIUM_PATH, system, or bundled). */
async function browserLaunch(): Promise<LaunchOptions & { bundled: boolean }> {
  const choice = findBrowser(process.env, isExecutableFile);
  const common = { headless: true, args: ARGS };
  if (choice.source !== "bundled") return { ...common, executablePath: choice.executablePath, bundled: false };
  const bundled = await bundledChromium();
  // Only the browser process sees the package's libraries, ahead of the system's.
  const inherited = process.env.LD_LIBRARY_PATH ?? "";
  const libraryPath = inherited === "" ? bundled.libraryPath : `${bundled.libraryPath}${delimiter}${inherited}`;
  const env = { ...definedEnv(), LD_LIBRARY_PATH: libraryPath };
  return { ...common, executablePath: bundled.executablePath, env, bundled: true };
}

/** process.env without its unset entries, as playwright's `env` option takes it. */
function definedEnv(): Record<string, string> {
  return Object.fromEntries(
    Object.entries(process.env).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
}

/**
 * One headless Chromium with a fresh profile, shared by a test file. Reduced motion is on,
 * so scrolling is instant (the widget honours prefers-reduced-motion).
 */
export async function launchBrowser(
  options: { timezoneId?: string; locale?: string; viewport?: { width: number; height: number } } = {},
): Promise<Browser> {
  const { bundled, ...launch } = await browserLaunch();
  const profile = mkdtempSync(join(tmpdir(), "liveline-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    ...launch,
    viewport: options.viewport ?? { width: 900, height: 800 },
    reducedMotion: "reduce",
    locale: options.locale ?? "en-US",
    ...(options.timezoneId === undefined ? {} : { timezoneId: options.timezoneId }),
  });
  return {
    context,
    bundled,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
