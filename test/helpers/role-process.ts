import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { TOKEN } from "./stack.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

export interface RoleProcess {
  readonly role: string;
  readonly child: ChildProcess;
  readonly pid: number;
  /** Base URL for `server`/`all` roles. */
  readonly url: string | undefined;
  readonly output: string[];
  kill(signal?: NodeJS.Signals): Promise<number | null>;
  exited: Promise<number | null>;
}

export interface SpawnOptions {
  /**
   * How long to wait for the "liveline started" log line. Generous: a start is a couple of
   * seconds of CPU, which other files running beside this one (and other work on the machine)
   * can stretch many times over; nothing is measured by it.
   * @default 60_000
   */
  timeoutMs?: number;
  /**
   * Which package's entry point runs: `server` (any ROLE) or `worker` (the worker role alone).
   * @default "server"
   */
  entry?: "server" | "worker";
  /**
   * Run the compiled entry point with plain node (`node server/dist/main.js`), as production
   * does, instead of the source through tsx. Needs `npm run build` first. By default only under
   * `npm test`, which has just built (LIVELINE_TEST_COMPILED=1, set by scripts/test.ts): a start
   * then costs about half the CPU (no TypeScript loader), which the fault tests' dozens of starts
   * feel; a file run on its own (`npx vitest run …`) runs the source, so an edit needs no build.
   * @default process.env.LIVELINE_TEST_COMPILED === "1"
   */
  compiled?: boolean;
}

/** The node arguments that run an entry point: its source through tsx, or its build. */
function entryArgs(entry: "server" | "worker", compiled: boolean): string[] {
  if (!compiled) return ["--import", "tsx", `${entry}/src/main.ts`];
  const file = `${entry}/dist/main.js`;
  if (!existsSync(join(ROOT, file))) throw new Error(`${file} is missing; run \`npm run build\` first`);
  return [file];
}

/** Every role process started and not yet exited, so that none outlives its test file. */
const running = new Set<ChildProcess>();

/**
 * SIGKILL the role processes still running: run after every test file (test/setup-file.ts), so
 * that one a test could not stop (its setup failed half-way, say) does not outlive the file.
 */
export async function killStrayRoles(): Promise<void> {
  await Promise.all(
    [...running].map(
      (child) =>
        new Promise<void>((resolve) => {
          child.once("exit", () => resolve());
          child.kill("SIGKILL");
        }),
    ),
  );
}

/**
 * Run a Liveline role as its own OS process (by default `node --import tsx server/src/main.ts`;
 * see SpawnOptions for the worker's entry point and the compiled build), and wait for its
 * "liveline started" log line.
 */
export async function spawnRole(
  role: "all" | "server" | "worker",
  env: Record<string, string>,
  { timeoutMs = 60_000, entry = "server", compiled = process.env.LIVELINE_TEST_COMPILED === "1" }: SpawnOptions = {},
): Promise<RoleProcess> {
  const child = spawn(process.execPath, entryArgs(entry, compiled), {
    cwd: ROOT,
    env: {
      ...process.env,
      PORT: "0",
      HOST: "127.0.0.1",
      EDITOR_TOKENS: TOKEN,
      NODE_ENV: "test",
      LOG_LEVEL: "info",
      ...env,
      ROLE: role,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  running.add(child);
  const output: string[] = [];
  const exited = new Promise<number | null>((resolve) =>
    child.once("exit", (code) => {
      running.delete(child);
      resolve(code);
    }),
  );
  const started = new Promise<string | undefined>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${role} did not start in ${timeoutMs} ms:\n${output.join("")}`)),
      timeoutMs,
    );
    const onData = (chunk: Buffer) => {
      const text = chunk.toString();
      output.push(text);
      for (const line of text.split("\n")) {
        if (!line.includes('"liveline started"')) continue;
        clearTimeout(timer);
        try {
          const parsed = JSON.parse(line) as { url?: string };
          resolve(parsed.url);
        } catch {
          resolve(undefined);
        }
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", (c: Buffer) => output.push(c.toString()));
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${role} exited with ${String(code)} before starting:\n${output.join("")}`));
    });
  });
  const url = await started;
  if (child.pid === undefined) throw new Error("spawned process has no pid");
  return {
    role,
    child,
    pid: child.pid,
    url,
    output,
    exited,
    kill: async (signal = "SIGKILL") => {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill(signal);
      return exited;
    },
  };
}
