// `npm test`: the typecheck, the lint (ESLint, Prettier, madge), the build and every vitest test,
// in as little wall time as the machine's cores allow. Vitest needs the build (some tests run
// the compiled packages) and skips it when `npm install` or the last build already made dist/
// from the sources as they are; the typecheck and the lint need nothing, so they run beside each
// other, the build and vitest, at the lowest CPU priority, in the time the tests leave idle.
// Their output is held and printed after vitest's; the last line is `N passed, N failed`, where
// a failed check counts as one failure, and the exit code is non-zero if anything failed.
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { summaryLine, type RunCounts } from "../test/summary-reporter.js";

interface Outcome {
  name: string;
  ok: boolean;
  output: string;
  seconds: number;
  /** Why it took no time, when it did not run. */
  note?: string;
}

const npm = process.platform === "win32" ? "npm.cmd" : "npm";

/**
 * Run `npm run <script>`; its output is held (`quiet`, and npm's banner left out) or passed
 * through; with `nice`, at the lowest CPU priority.
 */
function npmRun(
  script: string,
  { quiet, nice = false, env = {} }: { quiet: boolean; nice?: boolean; env?: Record<string, string> },
): Promise<Outcome> {
  const started = Date.now();
  const args = quiet ? ["run", "--silent", script] : ["run", script];
  const [command, commandArgs] = nice ? ["nice", ["-n", "19", npm, ...args]] : [npm, args];
  const child = spawn(command, commandArgs, {
    stdio: quiet ? ["ignore", "pipe", "pipe"] : "inherit",
    env: { ...process.env, ...env },
  });
  const chunks: Buffer[] = [];
  child.stdout?.on("data", (c: Buffer) => chunks.push(c));
  child.stderr?.on("data", (c: Buffer) => chunks.push(c));
  return new Promise((resolve) => {
    const done = (ok: boolean, extra = "") =>
      resolve({
        name: script,
        ok,
        output: Buffer.concat(chunks).toString("utf8") + extra,
        seconds: Math.round((Date.now() - started) / 1000),
      });
    child.once("error", (err) => done(false, String(err)));
    child.once("exit", (code) => done(code === 0));
  });
}

/**
 * The checks, side by side with each other, the build and vitest: the typecheck and ESLint in one
 * process over one TypeScript program (scripts/typecheck-and-lint.ts: 46 CPU-s, where tsc and
 * ESLint apart take 65), Prettier and madge. They run at the lowest CPU priority and take what the
 * tests leave idle while waiting on sockets, Redis and Chromium. One after another at nice 10
 * beside four vitest workers they got almost no CPU until vitest ended, then ran alone on one
 * core; at the tests' priority they slowed vitest by more than their own CPU time.
 */
function checks(): Promise<Outcome[]> {
  const scripts = ["check:types", "lint:format", "check:cycles"];
  return Promise.all(scripts.map((script) => npmRun(script, { quiet: true, nice: true })));
}

/** The build, unless the packages' dist/ were built from the sources as they are (scripts/build-stamp.mjs). */
async function buildIfStale(): Promise<Outcome> {
  const check = spawnSync(process.execPath, ["scripts/build-stamp.mjs", "check"]);
  if (check.status === 0) return { name: "build", ok: true, output: "", seconds: 0, note: "up to date" };
  return npmRun("build", { quiet: true });
}

const checking = checks();
const build = await buildIfStale();
if (!build.ok) process.stdout.write(build.output);

let counts: RunCounts = { passed: 0, failed: 0, skipped: 0 };
if (build.ok) {
  const dir = mkdtempSync(join(tmpdir(), "liveline-test-"));
  const summary = join(dir, "summary.json");
  // The role processes the tests start run the build just made (see test/helpers/role-process.ts).
  const env = { LIVELINE_TEST_SUMMARY: summary, LIVELINE_TEST_COMPILED: "1" };
  const vitest = await npmRun("test:unit", { quiet: false, env });
  try {
    counts = JSON.parse(readFileSync(summary, "utf8")) as RunCounts;
  } catch {
    // vitest ended before its reporter could count (a broken config): one failure.
    counts.failed = 1;
  }
  if (!vitest.ok && counts.failed === 0) counts.failed = 1;
  rmSync(dir, { recursive: true, force: true });
}

const outcomes = [build, ...(await checking)];
process.stdout.write("\n");
for (const o of outcomes) {
  if (!o.ok && o.name !== "build") process.stdout.write(`${o.output}\n`);
  process.stdout.write(`${o.ok ? "ok  " : "FAIL"} npm run ${o.name} (${o.note ?? `${o.seconds} s`})\n`);
  if (!o.ok) counts.failed += 1;
}
process.stdout.write(`\n${summaryLine(counts)}\n`);
process.exitCode = counts.failed > 0 ? 1 : 0;
