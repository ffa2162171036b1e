import type { Entry, EventsResponse, FeedEvent } from "@liveline/protocol";

/** The subset of `fetch` the SDK uses (the global one in browsers, React Native and Node 18+). */
export type FetchLike = (
  url: string,
  init?: { headers?: Record<string, string>; signal?: AbortSignal },
) => Promise<{ ok: boolean; status: number; json(): Promise<unknown> }>;

export interface CatchUpOptions {
  /** A fetch implementation. @default globalThis.fetch */
  fetch?: FetchLike;
  /** Abort the request (e.g. when the app goes back to sleep). */
  signal?: AbortSignal;
  /** Subscriber token for a private feed, sent as `Authorization: Bearer <token>`. */
  token?: string | undefined;
  /**
   * The feed log's epoch `since` belongs to (from the last answer). Send it: when the feed's
   * history was lost meanwhile the answer is a `reset`, never events that reuse the seqs held.
   */
  epoch?: string | undefined;
}

/**
 * What the catch-up endpoint answered: the missed events, or a snapshot when too far behind or
 * of another epoch. `epoch` is the feed log's (undefined from servers before epochs).
 */
export type CatchUpResult =
  | { reset: false; seq: number; epoch?: string; events: FeedEvent[] }
  | { reset: true; seq: number; epoch?: string; entries: Entry[] };

export class CatchUpError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = "CatchUpError";
  }
}

/** The global fetch when the platform has one. */
export function defaultFetch(): FetchLike | undefined {
  const f: unknown = (globalThis as { fetch?: unknown }).fetch;
  return typeof f === "function" ? (f.bind(globalThis) as FetchLike) : undefined;
}

/**
 * Fetch what a feed changed after `since` over plain HTTP (`GET /v1/feeds/:feedId/events`),
 * without a socket. This is the call for a mobile app waking up after a long sleep: apply the
 * `events` in order, or replace everything with `entries` when `reset` is true (the feed's
 * kept log no longer reaches back to `since`). Complete pages are cacheable by a CDN.
 *
 * @example
 * const r = await fetchCatchUp("https://live.example.com", "election-night", lastSeq);
 * if (r.reset) showSnapshot(r.entries); else r.events.forEach(apply);
 */
export async function fetchCatchUp(
  baseUrl: string,
  feedId: string,
  since: number,
  options: CatchUpOptions = {},
): Promise<CatchUpResult> {
  const doFetch = options.fetch ?? defaultFetch();
  if (doFetch === undefined) throw new CatchUpError("no fetch implementation available");
  // The epoch first: a page of a named epoch that ends before the head is cacheable for good.
  const epoch = options.epoch === undefined ? "" : `epoch=${encodeURIComponent(options.epoch)}&`;
  const url = `${baseUrl.replace(/\/+$/, "")}/v1/feeds/${encodeURIComponent(feedId)}/events?${epoch}since=${since}`;
  const res = await doFetch(url, {
    headers:
      options.token === undefined
        ? { accept: "application/json" }
        : { accept: "application/json", authorization: `Bearer ${options.token}` },
    ...(options.signal ? { signal: options.signal } : {}),
  });
  if (!res.ok) throw new CatchUpError(`catch-up answered HTTP ${res.status}`, res.status);
  return parseCatchUp(await res.json());
}

function parseCatchUp(body: unknown): CatchUpResult {
  // The SDK carries no zod: check the shape by hand, enough to never apply garbage.
  if (typeof body !== "object" || body === null) throw new CatchUpError("catch-up answer is not an object");
  const b = body as Partial<Record<keyof EventsResponse | "reset" | "entries" | "events" | "epoch", unknown>>;
  if (typeof b.seq !== "number") throw new CatchUpError("catch-up answer has no seq");
  const epoch = typeof b.epoch === "string" && b.epoch !== "" ? { epoch: b.epoch } : {};
  if (b.reset === true && Array.isArray(b.entries)) {
    return { reset: true, seq: b.seq, ...epoch, entries: b.entries as Entry[] };
  }
  if (Array.isArray(b.events)) {
    const events = b.events as FeedEvent[];
    if (events.some((e) => typeof e !== "object" || e === null || typeof e.seq !== "number")) {
      throw new CatchUpError("catch-up answer has a malformed event");
    }
    return { reset: false, seq: b.seq, ...epoch, events };
  }
  throw new CatchUpError("catch-up answer has neither events nor a reset snapshot");
}
