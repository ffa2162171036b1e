import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type BrowserContext, type LaunchOptions } from "playwright-core";

/** Debian's chromium; `.ci/run` installs it when `.ci/needs-chromium` exists. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

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
  close(): Promise<void>;
}

/**
 * One headless Chromium with a fresh profile, shared by a test file. Reduced motion is on,
 * so scrolling is instant (the widget honours prefers-reduced-motion).
 */
export async function launchBrowser(
  options: { timezoneId?: string; viewport?: { width: number; height: number } } = {},
): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`chromium not found at ${CHROMIUM}: apt-get install -y chromium`);
  const profile = mkdtempSync(join(tmpdir(), "liveline-chromium-"));
  const launch: LaunchOptions = { executablePath: CHROMIUM, headless: true, args: ARGS };
  const context = await chromium.launchPersistentContext(profile, {
    ...launch,
    viewport: options.viewport ?? { width: 900, height: 800 },
    reducedMotion: "reduce",
    locale: "en-US",
    ...(options.timezoneId === undefined ? {} : { timezoneId: options.timezoneId }),
  });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
