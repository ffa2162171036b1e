import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

interface BenchRun {
  preset: string;
  kind: "baseline" | "liveline";
  expected: number;
  delivered: number;
  lost: number;
  duplicated: number;
}

interface WriteRun {
  preset: string;
  kind: "liveline";
  phase: string;
  exact: boolean;
  accepted: number;
  applied: number;
  expected: number;
  delivered: number;
  lost: number;
  duplicated: number;
  outOfOrder: number;
}

const out = mkdtempSync(join(tmpdir(), "liveline-bench-"));
const writeOut = mkdtempSync(join(tmpdir(), "liveline-bench-write-"));
afterAll(() => {
  rmSync(out, { recursive: true, force: true });
  rmSync(writeOut, { recursive: true, force: true });
});

/** Run `npm run bench -- ARGS` as its own process; resolve with its stdout and exit code. */
function runBench(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["bench/run.mjs", ...args], { cwd: ROOT });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    child.once("exit", (code) => resolve({ code, stdout, stderr }));
  });
}

// Counts only: speed is the benchmark's business, not a test's.
describe("npm run bench -- --quick", () => {
  it("delivers every entry to every reader exactly once, on Liveline and on the baseline", async () => {
    const { code, stdout, stderr } = await runBench(["--quick", "--out", out]);
    const last = stdout.trim().split("\n").at(-1) ?? "";
    expect(last, stderr).toContain('"bench":"done"');
    const summary = JSON.parse(last) as { exact: boolean; runs: BenchRun[] };
    expect(summary.runs.map((r) => r.kind).sort()).toEqual(["baseline", "liveline"]);
    for (const run of summary.runs) {
      expect(run.expected).toBe(1020 * 20);
      expect(run.delivered, `${run.kind} delivered`).toBe(run.expected);
      expect(run.lost, `${run.kind} lost`).toBe(0);
      expect(run.duplicated, `${run.kind} duplicated`).toBe(0);
    }
    expect(summary.exact).toBe(true);
    expect(code).toBe(0);
    expect(readdirSync(out).filter((f) => /\.(json|md|svg)$/.test(f))).toHaveLength(3);
  }, 90_000);
});

describe("npm run bench -- --preset write-quick", () => {
  it("applies every accepted publish once and delivers each to every reader in order, under concurrent publishers", async () => {
    const { code, stdout, stderr } = await runBench(["--preset", "write-quick", "--out", writeOut]);
    const last = stdout.trim().split("\n").at(-1) ?? "";
    expect(last, stderr).toContain('"bench":"done"');
    const summary = JSON.parse(last) as { exact: boolean; runs: WriteRun[] };
    expect(summary.runs).toHaveLength(1);
    const [run] = summary.runs;
    expect(run?.kind).toBe("liveline");
    expect(run?.accepted, "accepted publishes").toBeGreaterThan(0);
    expect(run?.applied, "applied").toBe(run?.accepted);
    // 20 feeds × 5 readers, each owed every publish accepted for its feed.
    expect(run?.expected, "deliveries owed").toBe((run?.accepted ?? 0) * 5);
    expect(run?.delivered, "delivered").toBe(run?.expected);
    expect([run?.lost, run?.duplicated, run?.outOfOrder]).toEqual([0, 0, 0]);
    expect(summary.exact).toBe(true);
    expect(code).toBe(0);
    expect(readdirSync(writeOut).filter((f) => /\.(json|md|svg)$/.test(f))).toHaveLength(3);
  }, 90_000);
});
