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

/** Environment variables every role reads. */
export const CoreEnv = {
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
  ROLE: Role.default("all"),
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  KEY_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9:_-]{1,64}$/)
    .default("liveline:"),
  EVENT_LOG_LENGTH: Int(1000, 10, 1_000_000),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  DATA_DIR: z.string().min(1).default("./data"),
  HOST: z.string().min(1).default("0.0.0.0"),
} satisfies z.ZodRawShape;

export interface CoreConfig {
  readonly redisUrl: string | undefined;
  readonly role: Role;
  readonly env: "development" | "production" | "test";
  readonly keyPrefix: string;
  readonly eventLogLength: number;
  readonly logLevel: string;
  /** Where an embedded redis-server (and other local data) keeps its files. */
  readonly dataDir: string;
  /** Address the process's listeners bind to. */
  readonly host: string;
}

export function coreConfig(c: z.infer<z.ZodObject<typeof CoreEnv>>): CoreConfig {
  return {
    redisUrl: c.REDIS_URL,
    role: c.ROLE,
    env: c.NODE_ENV,
    keyPrefix: c.KEY_PREFIX,
    eventLogLength: c.EVENT_LOG_LENGTH,
    logLevel: c.LOG_LEVEL,
    dataDir: c.DATA_DIR,
    host: c.HOST,
  };
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  ${problems.join("\n  ")}`);
    this.name = "ConfigError";
  }
}

/**
 * Parse the variables a schema names from `env` (an empty value counts as unset), reporting
 * every problem at once as a ConfigError.
 */
export function parseEnv<S extends z.ZodRawShape>(
  shape: S,
  env: NodeJS.ProcessEnv | Record<string, string | undefined>,
): z.infer<z.ZodObject<S>> {
  const schema = z.object(shape);
  const input = Object.fromEntries(Object.keys(shape).map((k) => [k, env[k] === "" ? undefined : env[k]]));
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`));
  }
  return parsed.data;
}
