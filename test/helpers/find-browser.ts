import { accessSync, constants, statSync } from "node:fs";
import { delimiter, join } from "node:path";
import { z } from "zod";

/**
 * Which Chromium the browser tests drive. A system one is preferred (Debian's chromium, which
 * CI installs); without one the tests fall back to the Chromium that the @sparticuz/chromium
 * dev dependency ships inside its npm tarball, so `npm install && npm test` needs no browser
 * download and no apt package.
 */
export type BrowserChoice = { source: "CHROMIUM_PATH" | "system"; executablePath: string } | { source: "bundled" };

export type BrowserSetupErrorCode =
  "browser_mode_invalid" | "chromium_path_not_executable" | "system_browser_missing" | "bundled_browser_missing";

export class BrowserSetupError extends Error {
  constructor(
    readonly code: BrowserSetupErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "BrowserSetupError";
  }
}

/** Both ways out, named in every error that means "no browser". */
export const BROWSER_OPTIONS =
  "install a system Chromium (apt-get install -y chromium, or set CHROMIUM_PATH to a Chromium binary), " +
  "or run `npm install` so that the bundled one from @sparticuz/chromium is there";

/** Where a Debian-like system puts its Chromium; `chromium` on PATH is looked for after it. */
export const SYSTEM_CHROMIUM = "/usr/bin/chromium";

// A variable set to "" counts as unset, as a shell's `VAR= npm test` means.
const unsetIfEmpty = (value: unknown) => (value === "" ? undefined : value);

const browserEnv = z.object({
  CHROMIUM_PATH: z.preprocess(unsetIfEmpty, z.string().optional()),
  // auto: system if found, else bundled. system / bundled: only that one (bundled proves the
  // fallback on a machine that has a system Chromium).
  LIVELINE_BROWSER: z.preprocess(unsetIfEmpty, z.enum(["auto", "system", "bundled"]).default("auto")),
  PATH: z.string().optional(),
});

export type BrowserEnv = Readonly<Record<string, string | undefined>>;

/**
 * Picks the browser from the environment. Pure apart from `isExecutable`, so that a test can
 * describe a machine without touching its disk.
 */
export function findBrowser(env: BrowserEnv, isExecutable: (path: string) => boolean): BrowserChoice {
  const parsed = browserEnv.safeParse(env);
  if (!parsed.success) {
    throw new BrowserSetupError(
      "browser_mode_invalid",
      `LIVELINE_BROWSER must be auto, system or bundled (got ${JSON.stringify(env.LIVELINE_BROWSER)})`,
    );
  }
  const { CHROMIUM_PATH: chromiumPath, LIVELINE_BROWSER: mode, PATH: path } = parsed.data;
  if (mode === "bundled") return { source: "bundled" };
  if (chromiumPath !== undefined) {
    // An explicit path that does not work is a mistake to report, not to paper over.
    if (!isExecutable(chromiumPath)) {
      throw new BrowserSetupError(
        "chromium_path_not_executable",
        `CHROMIUM_PATH=${chromiumPath} is not an executable file; fix it or unset it to use the system or bundled Chromium`,
      );
    }
    return { source: "CHROMIUM_PATH", executablePath: chromiumPath };
  }
  const onPath = (path ?? "")
    .split(delimiter)
    .filter((dir) => dir !== "")
    .map((dir) => join(dir, "chromium"));
  const system = [SYSTEM_CHROMIUM, ...onPath].find(isExecutable);
  if (system !== undefined) return { source: "system", executablePath: system };
  if (mode === "system") {
    throw new BrowserSetupError(
      "system_browser_missing",
      `LIVELINE_BROWSER=system but no Chromium at ${SYSTEM_CHROMIUM} or on PATH: ${BROWSER_OPTIONS}`,
    );
  }
  return { source: "bundled" };
}

/** The real existence check: a file this process may execute. */
export function isExecutableFile(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}
