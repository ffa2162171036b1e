import type { Api, ApiResponse } from "../helpers/stack.js";
import { sleep, waitFor } from "../helpers/wait.js";

/** Every answer the publisher got that was not a 202, and what came of the change. */
export interface PublishLog {
  /** Entry ids whose publish was answered 202, per feed, in the order the 202s came. */
  accepted: Map<string, string[]>;
  edits: number;
  retractions: number;
  /** Entry ids whose retraction was accepted. */
  retracted: Set<string>;
  /** Non-202 answers seen on the way (503s while Redis was away, refused connections …). */
  refusals: { status: number; code: string | undefined; retryAfter: string | null }[];
  networkErrors: number;
}

export interface StreamOptions {
  feeds: string[];
  /** Entries per second across all feeds. @default 20 */
  perSecond?: number;
  /** Hard cap on entries. */
  maxEntries: number;
  /** Stop starting new entries once this resolves (the cap still applies). */
  until?: Promise<unknown>;
  /** Every `editEvery`-th entry is corrected once accepted. @default 4 */
  editEvery?: number;
  /** Every `retractEvery`-th entry is retracted once accepted (after its edit, if any). @default 7 */
  retractEvery?: number;
  /** Entry ids are `<idPrefix><n>`. @default "e" */
  idPrefix?: string;
  /** Give up on one change after this long. @default 30000 */
  giveUpMs?: number;
  /** Counts the stream's answers as they come, for a test that injects its fault at a point. */
  progress?: StreamProgress;
}

/**
 * How far a stream has got, so that a fault goes in at a point of the stream rather than after a
 * fixed time (which a loaded machine stretches): `await progress.accepted(24)` waits until 24
 * entries were accepted, `await progress.refused(1)` until a change was refused (a 503).
 */
export class StreamProgress {
  acceptedEntries = 0;
  refusals = 0;

  accepted(n: number, timeoutMs = 30_000): Promise<unknown> {
    return waitFor(() => this.acceptedEntries >= n, `${n} entries accepted by the stream`, timeoutMs, 10);
  }

  refused(n: number, timeoutMs = 30_000): Promise<unknown> {
    return waitFor(() => this.refusals >= n, `${n} of the stream's changes refused`, timeoutMs, 10);
  }
}

/**
 * Publish like a newsroom under fault: a bounded stream of entries across feeds, each with an
 * Idempotency-Key, retried (same key) on a 503 or a dead connection, on whichever server
 * answers, until a 202 — the client behaviour the README asks for. Resolves with what was
 * accepted once every started change has its answer.
 */
export async function publishStream(apis: Api[], options: StreamOptions): Promise<PublishLog> {
  const log: PublishLog = {
    accepted: new Map(),
    edits: 0,
    retractions: 0,
    retracted: new Set(),
    refusals: [],
    networkErrors: 0,
  };
  for (const f of options.feeds) log.accepted.set(f, []);
  const perSecond = options.perSecond ?? 20;
  const editEvery = options.editEvery ?? 4;
  const retractEvery = options.retractEvery ?? 7;
  let stop = false;
  void options.until?.then(() => (stop = true));
  let turn = 0;

  /** Send until accepted; `done` says which answers end the retries. */
  const send = async (
    call: (api: Api) => Promise<ApiResponse>,
    done: (r: ApiResponse, retried: boolean) => boolean,
  ): Promise<ApiResponse> => {
    const deadline = Date.now() + (options.giveUpMs ?? 30_000);
    for (let attempt = 0; ; attempt++) {
      const api = apis[turn++ % apis.length];
      if (api === undefined) throw new Error("no api");
      try {
        const r = await call(api);
        if (done(r, attempt > 0)) return r;
        const code = (r.body as { error?: { code?: string } } | undefined)?.error?.code;
        log.refusals.push({ status: r.status, code, retryAfter: r.headers.get("retry-after") });
        if (options.progress) options.progress.refusals += 1;
        if (r.status !== 503) throw new Error(`change refused: ${r.status} ${JSON.stringify(r.body)}`);
      } catch (err) {
        if ((err as Error).message.startsWith("change refused")) throw err;
        log.networkErrors += 1;
      }
      if (Date.now() > deadline) throw new Error("gave up retrying a change");
      await sleep(150);
    }
  };

  const one = async (n: number): Promise<void> => {
    const feedId = options.feeds[n % options.feeds.length] ?? "";
    const id = `${options.idPrefix ?? "e"}${n}`;
    await send(
      (api) =>
        api.publish(
          feedId,
          { id, headline: `Entry ${n}`, body: `<p>Update number ${n}</p>` },
          { "Idempotency-Key": `k-${id}` },
        ),
      (r) => r.status === 202,
    );
    log.accepted.get(feedId)?.push(id);
    if (options.progress) options.progress.acceptedEntries += 1;
    if (n % editEvery === 0) {
      // Repeating an edit after an unclear answer is harmless: the same patch changes nothing.
      await send(
        (api) => api.edit(feedId, id, { body: `<p>Update number ${n}, corrected</p>`, pinned: n % 3 === 0 }),
        (r) => r.status === 202,
      );
      log.edits += 1;
    }
    if (n % retractEvery === 0) {
      // A retried retraction whose first try was accepted answers 404: the entry is gone either way.
      await send(
        (api) => api.retract(feedId, id),
        (r, retried) => r.status === 202 || (retried && r.status === 404),
      );
      log.retractions += 1;
      log.retracted.add(id);
    }
  };

  const inFlight: Promise<void>[] = [];
  const gap = 1000 / perSecond;
  const start = Date.now();
  for (let n = 1; n <= options.maxEntries && !stop; n++) {
    inFlight.push(one(n));
    const wait = start + n * gap - Date.now();
    if (wait > 0) await sleep(wait);
  }
  await Promise.all(inFlight);
  return log;
}

/** One log for two streams (the first one's entries first). */
export function mergeLogs(first: PublishLog, second: PublishLog): PublishLog {
  const accepted = new Map<string, string[]>();
  for (const [f, ids] of first.accepted) accepted.set(f, [...ids, ...(second.accepted.get(f) ?? [])]);
  for (const [f, ids] of second.accepted) if (!accepted.has(f)) accepted.set(f, ids);
  return {
    accepted,
    edits: first.edits + second.edits,
    retractions: first.retractions + second.retractions,
    retracted: new Set([...first.retracted, ...second.retracted]),
    refusals: [...first.refusals, ...second.refusals],
    networkErrors: first.networkErrors + second.networkErrors,
  };
}

export function acceptedCount(log: PublishLog): number {
  let n = 0;
  for (const ids of log.accepted.values()) n += ids.length;
  return n;
}
