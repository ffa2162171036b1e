import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { Page } from "playwright-core";
import { PHONE } from "./reader-pages.js";

const require = createRequire(import.meta.url);
const AXE_SOURCE = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  targets: string[];
}

/**
 * axe-core's default rules (WCAG 2.x A/AA and best practices) on the page as it is now, shadow
 * roots included, plus label-content-name-mismatch (WCAG 2.5.3, still "experimental" in axe).
 * The source goes in through page.evaluate, which a page's CSP does not block.
 */
export async function axeViolations(page: Page): Promise<AxeViolation[]> {
  await page.evaluate(AXE_SOURCE);
  return page.evaluate(async () => {
    interface AxeResult {
      violations: { id: string; impact: string | null; help: string; nodes: { target: unknown[] }[] }[];
    }
    const axe = (window as unknown as { axe: { run(ctx: Document, opts: unknown): Promise<AxeResult> } }).axe;
    const result = await axe.run(document, {
      rules: { "label-content-name-mismatch": { enabled: true } },
      resultTypes: ["violations"],
    });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      targets: v.nodes.map((n) => JSON.stringify(n.target)),
    }));
  });
}

/** A laptop screen, as a newsroom's readers have them (the phone is reader-pages.ts's PHONE). */
export const LAPTOP = { width: 1440, height: 900 };

/**
 * axe-core on a reader's page in the four ways readers see it: a 390×844 phone and a 1440×900
 * laptop, light and dark. `open` opens it (ready to check); each must have no violation. With
 * LIVELINE_LOOK_DIR set, a whole-page screenshot of each is written there (`<name>-<size>-<scheme>.png`)
 * for a person to look at. Answers the counts, one per look, to print.
 */
export async function axeEveryLook(
  name: string,
  open: (viewport: { width: number; height: number }, scheme: "light" | "dark") => Promise<Page>,
  expectNone: (violations: AxeViolation[], look: string) => void,
): Promise<string> {
  const counts: string[] = [];
  for (const [size, viewport] of [
    ["phone", PHONE],
    ["desktop", LAPTOP],
  ] as const)
    for (const scheme of ["light", "dark"] as const) {
      const page = await open(viewport, scheme);
      const violations = await axeViolations(page);
      counts.push(`${size} ${scheme}: ${violations.length}`);
      expectNone(violations, `${size} ${scheme}`);
      const dir = process.env.LIVELINE_LOOK_DIR;
      if (dir !== undefined) await page.screenshot({ path: `${dir}/${name}-${size}-${scheme}.png`, fullPage: true });
      await page.close();
    }
  return counts.join("; ");
}
