/**
 * Whether the console's requests reach the server: every answer from it (whatever its status)
 * says yes, a request that fails before any answer (or a gateway's 502/504) says no. The
 * connection banner (connection.ts) listens; the API client and the uploads report here.
 */
import { ApiError, type ApiFetch } from "@liveline/client-sdk";

type Listener = (reached: boolean) => void;
const listeners = new Set<Listener>();

export function onReach(listener: Listener): void {
  listeners.add(listener);
}

export function reportReach(reached: boolean): void {
  for (const l of listeners) l(reached);
}

const GATEWAY_DOWN = new Set([502, 504]);

/** The platform's fetch, reporting each outcome (a request the console aborted says nothing). */
export const watchedFetch: ApiFetch = async (url, init) => {
  try {
    const res = await fetch(url, init);
    reportReach(!GATEWAY_DOWN.has(res.status));
    return res;
  } catch (err) {
    if (init.signal?.aborted !== true) reportReach(false);
    throw err;
  }
};

/** An API error that says the server was not reached at all (not a refusal by the server). */
export function isUnreachable(err: unknown): boolean {
  return err instanceof ApiError && (err.code === "network" || GATEWAY_DOWN.has(err.status));
}
