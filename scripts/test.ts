// `npm test`: the typecheck, the lint (ESLint, Prettier, madge), the build and every vitest test,
// in as little wall time as the machine's cores allow. Vitest needs the build (some tests run
// the compiled packages) and skips it when `npm install` or the last build already made dist/
// from the sources as they are; the typecheck and the lint need nothing, so they run beside the build
// and then beside vitest, at a lower CPU priority, filling the time the tests spend waiting.
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

/** Run `npm run <script>`; its output is held (`quiet`) or passed through, nice'd if `background`. */
function npmRun(
  script: string,
  { quiet, background, env = {} }: { quiet: boolean; background: boolean; env?: Record<string, string> },
): Promise<Outcome> {
  const started = Date.now();
  const [command, args] = background ? ["nice", ["-n", "10", npm, "run", "--silent", script]] : [npm, ["run", script]];
  const child = spawn(command, args, {
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

/** The checks one after another: each keeps about one core busy. */
async function checks(): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  for (const script of ["typecheck", "lint"]) outcomes.push(await npmRun(script, { quiet: true, background: true }));
  return outcomes;
}

/** The build, unless the packages' dist/ were built from the sources as they are (scripts/build-stamp.mjs). */
async function buildIfStale(): Promise<Outcome> {
  const check = spawnSync(process.execPath, ["scripts/build-stamp.mjs", "check"]);
  if (check.status === 0) return { name: "build", ok: true, output: "", seconds: 0, note: "up to date" };
  return npmRun("build", { quiet: true, background: false });
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
  const vitest = await npmRun("test:unit", { quiet: false, background: false, env });
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
