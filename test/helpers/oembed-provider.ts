import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
/** The providers Liveline looks embeds up with; the local provider answers for each of them. */
const PROVIDERS = ["youtube", "vimeo", "x", "bluesky", "instagram", "tiktok", "facebook"];

export interface OembedProvider {
  /** The provider's origin (oEmbed at /oembed, thumbnails at /thumbnails/). */
  readonly url: string;
  /** A second port standing for an address inside the newsroom's network. */
  readonly internal: string;
  readonly pid: number;
  /** OEMBED_ENDPOINTS naming this provider for every provider. */
  readonly endpoints: string;
  /** Every request either port received, in order. */
  seen(): Promise<{ server: "provider" | "internal"; path: string }[]>;
  /** SIGKILL the process (an unreachable provider), and wait for it to be gone. */
  kill(): Promise<void>;
}

/** Start test/fixtures/oembed-provider.ts as its own process; resolves once it listens. */
export async function startOembedProvider(): Promise<OembedProvider> {
  const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", "test/fixtures/oembed-provider.ts"], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "inherit"],
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stdout = child.stdout;
  if (stdout === null || child.pid === undefined) throw new Error("the oEmbed provider did not start");
  const pid = child.pid;
  const line = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("the oEmbed provider did not listen within 20 s")), 20_000);
    createInterface({ input: stdout }).once("line", (l) => {
      clearTimeout(timer);
      resolve(l);
    });
    child.once("exit", (code) => reject(new Error(`the oEmbed provider exited (${code})`)));
  });
  const { provider, internal } = JSON.parse(line) as { provider: string; internal: string };
  return {
    url: provider,
    internal,
    pid,
    endpoints: PROVIDERS.map((p) => `${p}=${provider}/oembed`).join(","),
    seen: async () => (await (await fetch(`${provider}/seen`)).json()) as Awaited<ReturnType<OembedProvider["seen"]>>,
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null) process.kill(pid, "SIGKILL");
      await exited;
    },
  };
}
