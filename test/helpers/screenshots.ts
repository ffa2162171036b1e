import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pixelmatch from "pixelmatch";
import { PNG } from "pngjs";
import type { Page } from "playwright-core";

/**
 * Screenshot baselines live in test/screenshots/, drawn with the bundled Chromium (147, what CI
 * runs) and the fonts the tests ship (test-fonts.ts), so they hold on any Linux machine whatever
 * fonts it has installed. A system Chromium (CHROMIUM_PATH, or LIVELINE_BROWSER=system) renders
 * with the same fonts; a difference past the threshold fails loudly, naming the files to look at.
 * LIVELINE_UPDATE_SCREENSHOTS=1 rewrites the baselines; look at them before committing.
 */
const BASELINES = new URL("../screenshots/", import.meta.url).pathname;
/** pixelmatch's per-pixel colour threshold (0–1) and the share of pixels allowed to differ. */
const THRESHOLD = 0.1;
const MAX_DIFF_SHARE = 0.001;

export async function browserMajor(page: Page): Promise<string> {
  const ua = await page.evaluate(() => navigator.userAgent);
  const major = /Chrome\/(\d+)/.exec(ua)?.[1];
  if (major === undefined) throw new Error(`not a Chromium user agent: ${ua}`);
  return major;
}

/**
 * Compare the viewport (or with `fullPage`, the whole page) with its baseline; optionally also
 * copy it to `docsPath` (npm run screenshots).
 */
export async function expectScreenshot(
  page: Page,
  name: string,
  docsPath?: string,
  opts: { fullPage?: boolean } = {},
): Promise<void> {
  const file = join(BASELINES, `${name}.png`);
  await page.mouse.move(0, 0);
  const options = { animations: "disabled", caret: "hide", fullPage: opts.fullPage ?? false } as const;
  if (docsPath !== undefined && process.env.LIVELINE_SCREENSHOTS === "1") {
    writeFileSync(docsPath, await page.screenshot(options));
  }
  // The breaking-news opt-in's words follow the browser's notification policy (the bundled
  // headless shell blocks notifications), not our rendering: it is hidden in the comparison
  // (playwright's `style` reaches into the widget's shadow root).
  const shot = await page.screenshot({ ...options, style: ".liveline-alerts { visibility: hidden !important; }" });
  if (process.env.LIVELINE_UPDATE_SCREENSHOTS === "1") {
    mkdirSync(BASELINES, { recursive: true });
    writeFileSync(file, shot);
    return;
  }
  if (!existsSync(file))
    throw new Error(
      `no screenshot baseline ${file}: run LIVELINE_UPDATE_SCREENSHOTS=1 npx vitest run test/widget-look.test.ts with this browser, and look at the PNGs`,
    );
  const want = PNG.sync.read(readFileSync(file));
  const got = PNG.sync.read(shot);
  if (want.width !== got.width || want.height !== got.height)
    throw new Error(`${name}: ${got.width}x${got.height}, baseline ${want.width}x${want.height}`);
  const diff = new PNG({ width: got.width, height: got.height });
  const differing = pixelmatch(want.data, got.data, diff.data, got.width, got.height, { threshold: THRESHOLD });
  if (differing > got.width * got.height * MAX_DIFF_SHARE) {
    const out = join(tmpdir(), `liveline-${name}`);
    writeFileSync(`${out}.actual.png`, shot);
    writeFileSync(`${out}.diff.png`, PNG.sync.write(diff));
    copyFileSync(file, `${out}.baseline.png`);
    const browser = `Chromium ${await browserMajor(page)}`;
    throw new Error(
      `${name}: ${differing} pixels differ from ${file} in ${browser}; see ${out}.{actual,diff,baseline}.png`,
    );
  }
}
