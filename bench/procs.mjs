// Child processes for the bench: pinned to a core, with the file-descriptor limit raised to the
// hard limit (10,000 sockets need it), and read-outs of their CPU time and RSS from /proc.
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import os from "node:os";
import { createServer } from "node:net";
import { clearTimeout, setTimeout } from "node:timers";

const CLK_TCK = 100; // `getconf CLK_TCK` on Linux

/** Pin only where it means something: two or more cores and util-linux's taskset present. */
export const CAN_PIN = os.cpus().length >= 2 && ["/usr/bin/taskset", "/bin/taskset"].some((p) => existsSync(p));

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Every process spawnPinned started that has not exited. Should the bench itself end first (Ctrl-C,
 * a closed pipe, an uncaught error), each is killed by its PID as it exits, so that nothing it
 * started outlives it (a redis-server left behind would share the server core with later runs).
 */
const running = new Set();
process.on("exit", () => {
  for (const child of running) child.kill("SIGKILL");
});
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) process.once(signal, () => process.exit(130));

/**
 * Spawn `cmd args` on CPU `cpu` (taskset) with `ulimit -n` at its hard limit. `exec` keeps the
 * PID, so /proc/<pid> is the program itself. Resolves once a stdout line satisfies `ready`.
 */
export function spawnPinned(name, cmd, args, { cpu, env = {}, ready, timeoutMs = 30_000, ipc = false, cwd }) {
  const pin = cpu === undefined || !CAN_PIN ? [] : ["taskset", "-c", String(cpu)];
  const child = spawn("sh", ["-c", 'ulimit -n "$(ulimit -Hn)"; exec "$@"', "sh", ...pin, cmd, ...args], {
    cwd,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe", ...(ipc ? ["ipc"] : [])],
  });
  running.add(child);
  child.once("exit", () => running.delete(child));
  const output = [];
  const keep = (chunk) => {
    output.push(chunk.toString());
    if (output.length > 200) output.splice(0, output.length - 200);
  };
  child.stderr.on("data", keep);
  const exited = new Promise((resolve) => child.once("exit", (code, signal) => resolve(code ?? signal)));
  const started = new Promise((resolve, reject) => {
    if (!ready) return resolve(undefined);
    const timer = setTimeout(() => reject(new Error(`${name} did not start:\n${output.join("")}`)), timeoutMs);
    let buffered = "";
    child.stdout.on("data", (chunk) => {
      keep(chunk);
      buffered += chunk.toString();
      const lines = buffered.split("\n");
      buffered = lines.pop() ?? "";
      for (const line of lines) {
        const v = ready(line);
        if (v !== undefined) {
          clearTimeout(timer);
          resolve(v);
        }
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited (${code}) before it was ready:\n${output.join("")}`));
    });
  });
  if (!ready) child.stdout.on("data", keep);
  // Awaited by whoever needs it; when one process of several fails first, the others' later
  // rejections must not end the bench before it has stopped what it started.
  started.catch(() => undefined);
  return {
    name,
    child,
    pid: child.pid,
    output,
    exited,
    started,
    async stop(signal = "SIGTERM", graceMs = 10_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill(signal);
      const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/**
 * CPU time (user + system, ms), its system (kernel) part, resident set (KiB), and wake-ups of its
 * main thread so far (voluntary context switches: each is a wait that ended) of a live process.
 */
export function procStats(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // After "pid (comm) ": state is field 3, so utime (14) and stime (15) sit at 11 and 12.
  const cpuMs = ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK;
  const sysMs = (Number(fields[12]) * 1000) / CLK_TCK;
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const rss = /VmRSS:\s+(\d+) kB/.exec(status);
  const woken = /^voluntary_ctxt_switches:\s+(\d+)/m.exec(status);
  return { cpuMs, sysMs, rssKb: rss ? Number(rss[1]) : NaN, wakeUps: woken ? Number(woken[1]) : NaN };
}

/** Parse a JSON log line and return `url` when its msg is `msg`. */
export const logLine = (msg) => (line) => {
  if (!line.includes(msg)) return undefined;
  try {
    const parsed = JSON.parse(line);
    return parsed.msg === msg ? (parsed.url ?? "") : undefined;
  } catch {
    return undefined;
  }
};
