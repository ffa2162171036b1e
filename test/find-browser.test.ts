import { describe, expect, it } from "vitest";
import { BrowserSetupError, findBrowser, SYSTEM_CHROMIUM } from "./helpers/find-browser.js";

// Which Chromium the browser tests launch, for machines described by the files they hold.
const machine =
  (...files: string[]) =>
  (path: string) =>
    files.includes(path);

function setupError(run: () => unknown): BrowserSetupError {
  try {
    run();
  } catch (err) {
    if (err instanceof BrowserSetupError) return err;
    throw err;
  }
  throw new Error("expected a BrowserSetupError");
}

describe("finding the browser for the browser tests", () => {
  it("falls back to the bundled Chromium when the machine has none", () => {
    expect(findBrowser({ PATH: "/usr/local/bin:/usr/bin:/bin" }, machine())).toEqual({ source: "bundled" });
    expect(findBrowser({}, machine("/usr/bin/chromium-browser"))).toEqual({ source: "bundled" });
  });

  it("prefers Debian's /usr/bin/chromium, then `chromium` on PATH", () => {
    const both = machine(SYSTEM_CHROMIUM, "/opt/chromium/chromium");
    expect(findBrowser({ PATH: "/opt/chromium" }, both)).toEqual({ source: "system", executablePath: SYSTEM_CHROMIUM });
    expect(findBrowser({ PATH: "/usr/local/bin::/opt/chromium" }, machine("/opt/chromium/chromium"))).toEqual({
      source: "system",
      executablePath: "/opt/chromium/chromium",
    });
  });

  it("takes CHROMIUM_PATH over everything but a forced bundled browser", () => {
    const files = machine(SYSTEM_CHROMIUM, "/home/me/chrome");
    expect(findBrowser({ CHROMIUM_PATH: "/home/me/chrome" }, files)).toEqual({
      source: "CHROMIUM_PATH",
      executablePath: "/home/me/chrome",
    });
    expect(findBrowser({ CHROMIUM_PATH: "/home/me/chrome", LIVELINE_BROWSER: "bundled" }, files)).toEqual({
      source: "bundled",
    });
    // Empty means unset, as in `CHROMIUM_PATH= npm test`.
    expect(findBrowser({ CHROMIUM_PATH: "", LIVELINE_BROWSER: "" }, files)).toEqual({
      source: "system",
      executablePath: SYSTEM_CHROMIUM,
    });
  });

  it("LIVELINE_BROWSER=bundled forces the packaged browser on a machine that has a system one", () => {
    expect(findBrowser({ LIVELINE_BROWSER: "bundled" }, machine(SYSTEM_CHROMIUM))).toEqual({ source: "bundled" });
  });

  it("reports a CHROMIUM_PATH that is not there instead of falling back", () => {
    const err = setupError(() => findBrowser({ CHROMIUM_PATH: "/nope/chromium" }, machine(SYSTEM_CHROMIUM)));
    expect(err.code).toBe("chromium_path_not_executable");
    expect(err.message).toContain("/nope/chromium");
  });

  it("LIVELINE_BROWSER=system without one names both ways to get a browser", () => {
    const err = setupError(() => findBrowser({ LIVELINE_BROWSER: "system", PATH: "/usr/bin" }, machine()));
    expect(err.code).toBe("system_browser_missing");
    expect(err.message).toContain("apt-get install -y chromium");
    expect(err.message).toContain("CHROMIUM_PATH");
    expect(err.message).toContain("@sparticuz/chromium");
  });

  it("rejects an unknown LIVELINE_BROWSER", () => {
    expect(setupError(() => findBrowser({ LIVELINE_BROWSER: "firefox" }, machine())).code).toBe("browser_mode_invalid");
  });
});
