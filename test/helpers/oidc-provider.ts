import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { afterAll } from "vitest";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

export interface OidcProvider {
  readonly issuer: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly pid: number;
  /** Moves the person `login` into exactly these groups at the provider (their next sign-in sees it). */
  setGroups(login: string, groups: string[]): Promise<void>;
  /** SIGKILL the process, and wait for it to be gone. */
  kill(): Promise<void>;
}

/** A port free on 127.0.0.1 now (for a server whose URL must be known before it starts). */
export async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const address = probe.address();
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}

/**
 * Start test/fixtures/oidc-provider.ts (a real OpenID Connect provider) as its own process,
 * with `redirectUrl` registered for its client; resolves once it listens.
 */
export async function startOidcProvider(redirectUrl: string): Promise<OidcProvider> {
  const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", "test/fixtures/oidc-provider.ts"], {
    cwd: ROOT,
    env: { ...process.env, REDIRECT_URL: redirectUrl, NODE_ENV: "test" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stdout = child.stdout;
  if (stdout === null || child.pid === undefined) throw new Error("the OIDC provider did not start");
  const pid = child.pid;
  const line = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("the OIDC provider did not listen within 30 s")), 30_000);
    createInterface({ input: stdout }).once("line", (l) => {
      clearTimeout(timer);
      resolve(l);
    });
    child.once("exit", (code) => reject(new Error(`the OIDC provider exited (${code})`)));
  });
  const { issuer, clientId, clientSecret } = JSON.parse(line) as Pick<
    OidcProvider,
    "issuer" | "clientId" | "clientSecret"
  >;
  return {
    issuer,
    clientId,
    clientSecret,
    pid,
    setGroups: async (login, groups) => {
      const res = await fetch(`${issuer}/people/${login}/groups`, { method: "PUT", body: JSON.stringify(groups) });
      if (res.status !== 204) throw new Error(`the provider did not take the groups (${res.status})`);
    },
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null) process.kill(pid, "SIGKILL");
      await exited;
    },
  };
}

/**
 * For `useStack`: starts a provider for the test file (killed in `afterAll`) and answers the
 * stack's environment with single sign-on through it, on a port chosen first (the provider must
 * know the callback it allows). Groups: `live-desk` editors, `stringers` contributors of
 * `election-night`; anyone else has no role.
 */
export function ssoStackEnv(): {
  env: () => Promise<Record<string, string>>;
  /** The provider, once the stack has started. */
  provider: () => OidcProvider;
} {
  let provider: OidcProvider | undefined;
  afterAll(async () => {
    await provider?.kill();
  });
  const started = (): OidcProvider => {
    if (provider === undefined) throw new Error("the OIDC provider starts with the stack (useStack's beforeAll)");
    return provider;
  };
  const env = async () => {
    const port = await freePort();
    const callback = `http://127.0.0.1:${port}/v1/session/oidc/callback`;
    provider = await startOidcProvider(callback);
    return {
      PORT: String(port),
      OIDC_ISSUER: provider.issuer,
      OIDC_CLIENT_ID: provider.clientId,
      OIDC_CLIENT_SECRET: provider.clientSecret,
      OIDC_REDIRECT_URL: callback,
      OIDC_SCOPES: "openid email profile groups",
      OIDC_ROLE_MAP: "live-desk=editor,stringers=contributor:election-night",
      OIDC_LABEL: "Newsroom SSO",
    };
  };
  return { env, provider: started };
}
