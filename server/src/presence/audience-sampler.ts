import type { Logger } from "@liveline/core";
import type { AudienceStore } from "./audience-store.js";
import type { PresenceStore } from "./presence-store.js";

export interface AudienceSamplerOptions {
  audience: AudienceStore;
  presence: PresenceStore;
  /** This node's id, the value of the claims it wins. */
  nodeId: string;
  /** AUDIENCE_SAMPLE_MS. */
  sampleMs: number;
  /** AUDIENCE_KEEP_HOURS, in ms. */
  keepMs: number;
  logger: Logger;
}

/**
 * Takes the audience sample of each interval on whichever node claims it first. Every node wakes
 * a tenth of an interval after each boundary of its clock (so that clocks a little apart still
 * agree on which interval it is), claims the interval, and the winner records the readers that
 * the presence reports sum to.
 */
export class AudienceSampler {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = true;
  private failing = false;

  constructor(private readonly o: AudienceSamplerOptions) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  private schedule(): void {
    if (this.stopped) return;
    const { sampleMs } = this.o;
    const now = Date.now();
    const wait = sampleMs - (now % sampleMs) + Math.floor(sampleMs / 10);
    this.timer = setTimeout(() => {
      this.running ??= this.sample().finally(() => {
        this.running = undefined;
      });
      this.schedule();
    }, wait);
    this.timer.unref();
  }

  private async sample(): Promise<void> {
    const { sampleMs, nodeId } = this.o;
    const now = Date.now();
    const slotMs = now - (now % sampleMs);
    try {
      // The claim outlives its interval by a little more than one more, for clocks apart.
      if (!(await this.o.audience.claim(slotMs, nodeId, 2 * sampleMs + 5000))) return;
      const totals = await this.o.presence.totals();
      await this.o.audience.record(slotMs, nodeId, totals, this.o.keepMs);
      if (this.failing) this.o.logger.info("audience: sampling readers again");
      this.failing = false;
    } catch (err) {
      // Logged once per outage; the interval stays without a sample, which the chart shows as a gap.
      if (!this.failing) this.o.logger.warn({ err }, "audience: could not take the readers' sample");
      this.failing = true;
    }
  }
}
