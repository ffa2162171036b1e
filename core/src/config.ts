import { z } from "zod";
import { parseRedisTarget } from "./redis-connection.js";

/**
 * The configuration every role shares (where Redis is, key prefix, logging), and the pieces
 * each role's own section is built from. A process's `loadConfig` joins the sections it runs
 * into one strict schema, so every bad value is reported at start, all at once.
 */

/** A whole number from the environment, within [min, max], with a default. */
export const Int = (def: number, min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, "must be a whole number")
    .transform(Number)
    .pipe(z.number().int().min(min).max(max))
    .default(def);

/** An optional port number from the environment. */
export const OptionalPort = z
  .string()
  .regex(/^\d+$/, "must be a whole number")
  .transform(Number)
  .pipe(z.number().int().min(0).max(65_535))
  .optional();

/** A zod refinement from a parser that throws on bad input. */
export function accepts(parse: (value: string) => unknown): (value: string) => boolean {
  return (value) => {
    try {
      parse(value);
      return true;
    } catch {
      return false;
    }
  };
}

export const Role = z.enum(["all", "server", "worker"]);
export type Role = z.infer<typeof Role>;

/**
 * The section of the environment every role reads. The JSDoc of each variable is its
 * documentation here; the README's settings table is the user's. The transform names what a
 * process reads (`config.keyPrefix`), and the settings type is inferred from it.
 */
export const CoreSettings = z
  .object({
    /** Where Redis is; unset: 127.0.0.1:6379, or an embedded redis-server that `npm start` launches. */
    REDIS_URL: z
      .string()
      .regex(
        /^(rediss?|redis\+cluster|redis\+sentinel):\/\/.+/,
        "must be a redis://, rediss://, redis+cluster://host:port,… or redis+sentinel://host:port,…/<master name> URL",
      )
      .refine(
        accepts(parseRedisTarget),
        "redis+cluster:// needs a comma-separated list of host:port; redis+sentinel:// needs host:port,…/<master name>[/<db>]",
      )
      .optional(),
    /** Which roles the process runs: `all` (server and worker), `server` or `worker`. */
    ROLE: Role.default("all"),
    NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
    /** Prefix of every Redis key and channel, so that deployments (and tests) can share a Redis. */
    KEY_PREFIX: z
      .string()
      .regex(/^[A-Za-z0-9:_-]{1,64}$/)
      .default("liveline:"),
    /** Events kept per feed for catch-up; a reader further behind gets a snapshot (`reset`). */
    EVENT_LOG_LENGTH: Int(1000, 10, 1_000_000),
    LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
    /** Where an embedded redis-server (and other local data) keeps its files. */
    DATA_DIR: z.string().min(1).default("./data"),
    /** Address the process's listeners bind to. */
    HOST: z.string().min(1).default("0.0.0.0"),
    /**
     * After SIGTERM, how long `/readyz` answers 503 before the process starts closing: set it
     * above the load balancer's check interval, so it stops sending work here first.
     */
    DRAIN_DELAY_MS: Int(0, 0, 120_000),
  })
  .transform((c) => ({
    redisUrl: c.REDIS_URL,
    role: c.ROLE,
    env: c.NODE_ENV,
    keyPrefix: c.KEY_PREFIX,
    eventLogLength: c.EVENT_LOG_LENGTH,
    logLevel: c.LOG_LEVEL,
    dataDir: c.DATA_DIR,
    host: c.HOST,
    drainDelayMs: c.DRAIN_DELAY_MS,
  }));

/** What every role's configuration holds. */
export type CoreConfig = Readonly<z.output<typeof CoreSettings>>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  ${problems.join("\n  ")}`);
    this.name = "ConfigError";
  }
}

/** A section of the environment: an object of variables whose transform gives its settings. */
export type EnvSection = z.ZodType<unknown, Record<string, unknown>>;

/**
 * Parse the sections a role reads from `env` (an empty value counts as unset), each into its
 * settings, reporting every problem of every section at once (each once) as a ConfigError. A
 * problem found across variables (in a section's transform) names its variables itself.
 */
export function parseEnv<const S extends Record<string, EnvSection>>(
  sections: S,
  env: NodeJS.ProcessEnv | Record<string, string | undefined>,
): { readonly [K in keyof S]: z.output<S[K]> } {
  const input = Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v === "" ? undefined : v]));
  const problems = new Set<string>();
  const parsed: Record<string, unknown> = {};
  for (const [name, section] of Object.entries(sections)) {
    const result = section.safeParse(input);
    if (result.success) parsed[name] = result.data;
    else
      for (const issue of result.error.issues)
        problems.add(issue.path.length === 0 ? issue.message : `${issue.path.join(".")}: ${issue.message}`);
  }
  if (problems.size > 0) throw new ConfigError([...problems]);
  return parsed as { readonly [K in keyof S]: z.output<S[K]> };
}

/** Report `problems` (each naming its variables) as a section's own, from inside its transform. */
export function reportProblems(ctx: z.RefinementCtx, problems: readonly string[]): boolean {
  for (const message of problems) ctx.addIssue({ code: "custom", message, input: undefined });
  return problems.length > 0;
}
