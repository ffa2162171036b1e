import { execFile } from "node:child_process";
import { createReadStream, createWriteStream, existsSync, mkdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { pipeline } from "node:stream/promises";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { createBrotliDecompress } from "node:zlib";
import { z } from "zod";
import { BROWSER_OPTIONS, BrowserSetupError } from "./find-browser.js";

/**
 * The headless Chromium that @sparticuz/chromium ships brotli-packed inside its npm tarball
 * (no install script, no download), unpacked once per package version.
 *
 * The package's own `executablePath()` is not used: it unpacks to a fixed /tmp/chromium and
 * trusts whatever is there, so a run killed mid-unpack, or another project's different
 * version, would be launched as is. Here each version gets its own folder, filled under a
 * temporary name and renamed into place only when whole.
 *
 * The version is pinned to 147.0.0: the last one whose engines allow Node 20.
 */
export interface BundledChromium {
  executablePath: string;
  /** The package's own NSS, NSPR and expat, for the browser's LD_LIBRARY_PATH. */
  libraryPath: string;
}

const execFileAsync = promisify(execFile);

const CACHE = fileURLToPath(new URL("../../node_modules/.cache/liveline-chromium/", import.meta.url));

const packageJson = z.object({ version: z.string().min(1) });

export async function bundledChromium(): Promise<BundledChromium> {
  const root = packageRoot();
  const { version } = packageJson.parse(JSON.parse(readFileSync(join(root, "package.json"), "utf8")));
  const dest = join(CACHE, version);
  if (!existsSync(dest)) await unpack(join(root, "bin"), dest);
  return { executablePath: join(dest, "chromium"), libraryPath: join(dest, "lib") };
}

function packageRoot(): string {
  let entry: string;
  try {
    entry = createRequire(import.meta.url).resolve("@sparticuz/chromium");
  } catch {
    throw new BrowserSetupError(
      "bundled_browser_missing",
      `no system Chromium found and @sparticuz/chromium is not installed: ${BROWSER_OPTIONS}`,
    );
  }
  // The entry is build/cjs/index.cjs; the packed browser is in bin/ at the package root (the
  // same layout the package's own getBinPath() relies on).
  return join(dirname(entry), "..", "..");
}

async function unpack(bin: string, dest: string): Promise<void> {
  const staging = `${dest}.${process.pid}.partial`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  try {
    await pipeline(
      createReadStream(join(bin, "chromium.br")),
      createBrotliDecompress(),
      createWriteStream(join(staging, "chromium"), { mode: 0o755 }),
    );
    // lib/: NSS, NSPR and expat built for Amazon Linux 2023 (glibc 2.34 or later), so that a
    // machine without Debian's libnss3 runs the browser too. The package's fonts and
    // SwiftShader are left packed: the system's fontconfig serves the pages, and the tests
    // run with the GPU off.
    await untar(join(bin, "al2023.tar.br"), staging);
    renameSync(staging, dest);
  } catch (err) {
    rmSync(staging, { recursive: true, force: true });
    // Another test process may have put its own whole copy in place first.
    if (!existsSync(dest)) throw err;
  }
}

/** Through a file, not a pipe: tar may stop reading at the end-of-archive blocks, before EOF. */
async function untar(archive: string, into: string): Promise<void> {
  const tarFile = join(into, "unpack.tar");
  await pipeline(createReadStream(archive), createBrotliDecompress(), createWriteStream(tarFile));
  await execFileAsync("tar", ["-x", "-f", tarFile, "-C", into]);
  rmSync(tarFile);
}
