import { mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page } from "playwright-core";

/**
 * A picture of the console as the test left it, for a person to look at (not compared with a
 * baseline: the console's data changes from run to run). Written under the system's temporary
 * folder, `liveline-console/<name>.png`; the path is returned.
 */
export async function lookAt(page: Page, name: string): Promise<string> {
  const dir = join(tmpdir(), "liveline-console");
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${name}.png`);
  await page.screenshot({ path, animations: "disabled", caret: "hide" });
  return path;
}
