import { ConfigError } from "@liveline/core";
import { loadConfig } from "@liveline/server";

/** What the server's settings refuse in `env`, one line per bad setting (`NAME: why`); [] if none. */
export function configProblems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
}
