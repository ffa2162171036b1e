import { alertBody, alertTitle, alertUrl, clip, plainText, type FeedEvent, type PushPayload } from "@liveline/protocol";
import type { FeedStore, Logger } from "@liveline/core";
import type { OutputsSettings } from "./config.js";
import type { FcmSender } from "./fcm-sender.js";
import type { OutputsMetrics, OutputName } from "./outputs-metrics.js";
import type { OutputJob, OutputsQueue } from "./outputs-queue.js";
import type { PushStore } from "./push-store.js";
import type { SendOutcome, WebPushSender } from "./web-push-sender.js";
import type { Webhooks } from "./webhooks.js";

/** Recipients per push job: a retried job resends at most this many. */
const CHUNK = 500;
/** Sends in flight at once within a chunk. */
const PARALLEL = 32;

export interface AlertsDeps {
  store: FeedStore;
  push: PushStore;
  queue: OutputsQueue;
  /** Where `alert.sent` goes: to the endpoints subscribed to it, once the alert leaves. */
  webhooks: Pick<Webhooks, "alertSent">;
  settings: OutputsSettings;
  metrics: OutputsMetrics;
  logger: Logger;
  webPush: WebPushSender | undefined;
  fcm: FcmSender | undefined;
}

/**
 * Breaking-news alerts: decided once per entry, capped per feed and hour, fanned out in chunks
 * to the feed's Web Push subscriptions and FCM devices.
 */
/** An event an alert may go out for: an entry published or edited while marked breaking. */
export function mayAlert(event: FeedEvent): event is Extract<FeedEvent, { type: "entry.published" | "entry.updated" }> {
  return (event.type === "entry.published" || event.type === "entry.updated") && event.entry.breaking;
}

export class Alerts {
  constructor(private readonly d: AlertsDeps) {}

  /**
   * An event the pipeline walks past: a published entry that is breaking, or an edit that
   * made it breaking, claims the entry's alert (once, ever) and queues its fan-out.
   */
  async consider(event: FeedEvent): Promise<void> {
    if (!mayAlert(event)) return;
    // A backlog replayed after an outage is not news any more.
    if (Date.now() - Date.parse(event.at) > this.d.settings.alertMaxAgeSeconds * 1000) return;
    const claim = await this.d.push.claimAlert(event.feedId, event.entry.id);
    if (claim === "queued") return;
    const undoMs = this.d.settings.alertUndoSeconds * 1000;
    await this.d.queue.alert(event.feedId, event.entry.id, event.seq, event.at, undoMs);
    await this.d.push.alertQueued(event.feedId, event.entry.id);
  }

  /** The alert job: check the entry still stands, apply the cap, hand out chunks. */
  async fanOut(job: Extract<OutputJob, { kind: "alert" }>): Promise<void> {
    const { feedId, entryId, seq, at } = job;
    const [feed, entry] = await Promise.all([this.d.store.getFeed(feedId), this.d.store.getEntry(feedId, entryId)]);
    const base = { entryId, seq, at: new Date().toISOString(), webPush: 0, fcm: 0 };
    if (await this.d.push.alertRecalled(feedId, entryId)) {
      // Recalled in its undo window just as the job was queued: nothing leaves.
      await this.d.push.recordAlert(feedId, { ...base, status: "recalled" });
      this.d.metrics.alert("recalled");
      return;
    }
    if (feed === undefined || entry === undefined || !entry.breaking) {
      // Retracted, or un-marked, before its alert went out.
      await this.d.push.recordAlert(feedId, { ...base, status: "skipped" });
      this.d.metrics.alert("skipped");
      return;
    }
    const headline = entry.headline ?? clip(plainText(entry.body), 120);
    if (!(await this.d.push.admitAlert(feedId, entryId, this.d.settings.alertsPerHour, Date.now()))) {
      await this.d.push.recordAlert(feedId, { ...base, status: "capped", headline });
      this.d.metrics.alert("capped");
      this.d.logger.warn({ feedId, entryId, cap: this.d.settings.alertsPerHour }, "alert held back by the hourly cap");
      return;
    }
    const payload: PushPayload = {
      v: 1,
      feedId,
      entryId,
      seq,
      title: alertTitle(feed.title),
      body: alertBody(entry),
      url: alertUrl(feedId, entryId),
    };
    const counts = { webPush: 0, fcm: 0 };
    for (const channel of ["webPush", "devices"] as const) {
      if (channel === "webPush" ? this.d.webPush === undefined : this.d.fcm === undefined) continue;
      const ids = await this.d.push.recipientIds(feedId, channel);
      counts[channel === "webPush" ? "webPush" : "fcm"] = ids.length;
      for (let i = 0; i * CHUNK < ids.length; i++) {
        const chunk = ids.slice(i * CHUNK, (i + 1) * CHUNK);
        await this.d.queue.push({ v: 1, kind: "push", channel, at, ids: chunk, payload }, i);
      }
    }
    // Webhooks subscribed to alerts learn of it now, with the same words: the window held them too.
    // Queued before the record, so a retried job queues what a crash left out (its ids make
    // the rest a no-op).
    const { title, body, url } = payload;
    const webhooks = await this.d.webhooks.alertSent({
      feedId,
      entryId,
      seq,
      at: base.at,
      title,
      body,
      url,
      ...counts,
    });
    await this.d.push.recordAlert(feedId, { ...base, status: "sent", headline, ...counts, webhooks });
    this.d.metrics.alert("sent");
    this.d.logger.info({ feedId, entryId, ...counts, webhooks }, "breaking-news alert fanned out");
  }

  /** One chunk of one channel. A recipient's failure is counted, not retried: the alert is news now or never. */
  async pushChunk(job: Extract<OutputJob, { kind: "push" }>): Promise<{ sent: number; gone: number; failed: number }> {
    const { feedId } = job.payload;
    const tally = { sent: 0, gone: 0, failed: 0 };
    const output: OutputName = job.channel === "webPush" ? "webpush" : "fcm";
    const sends: (() => Promise<[string, SendOutcome]>)[] = [];
    if (job.channel === "webPush" && this.d.webPush !== undefined) {
      const sender = this.d.webPush;
      for (const [id, sub] of await this.d.push.webPushByIds(feedId, job.ids)) {
        sends.push(async () => [id, await sender.send(sub, job.payload)]);
      }
    } else if (job.channel === "devices" && this.d.fcm !== undefined) {
      const sender = this.d.fcm;
      for (const [id, device] of await this.d.push.devicesByIds(feedId, job.ids)) {
        sends.push(async () => [id, await sender.send(device, job.payload)]);
      }
    }
    let next = 0;
    const lane = async () => {
      while (next < sends.length) {
        const send = sends[next++];
        if (send === undefined) return;
        const [id, outcome] = await send();
        if (outcome.result === "sent") {
          tally.sent++;
          this.d.metrics.delivered(output, job.at);
        } else if (outcome.result === "gone") {
          tally.gone++;
          this.d.metrics.gone(output);
          await this.d.push.dropRecipient(feedId, job.channel, id);
        } else {
          tally.failed++;
          this.d.metrics.failure(output);
          this.d.logger.debug({ feedId, output, err: outcome.error }, "push send failed");
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(PARALLEL, sends.length) }, lane));
    return tally;
  }
}
