import { spawn, type ChildProcess } from "node:child_process";
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

/**
 * Run a Liveline role as its own OS process (`node --import tsx server/src/main.ts`), the way
 * production does, and wait for its "liveline started" log line.
 */
export async function spawnRole(
  role: "all" | "server" | "worker",
  env: Record<string, string>,
  timeoutMs = 20_000,
): Promise<RoleProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", "server/src/main.ts"], {
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
  const output: string[] = [];
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
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
