/**
 * Readers over time beside "Readers now": the feed's peak and a small area chart of the last hours
 * of samples, from GET /v1/feeds/:feedId/audience, read again every minute (the samples' default
 * interval). The chart is one inline SVG whose text alternative says what it shows.
 */
import type { AudienceSample, FeedAudience } from "@liveline/protocol";
import { api, credentials } from "./console-api.js";

const REFRESH_MS = 60_000;
const HOURS = 6;
/** The drawing's own units; the SVG stretches to its box. */
const W = 120;
const H = 32;
const SVG = "http://www.w3.org/2000/svg";

export interface AudienceChartOptions {
  peak: HTMLElement;
  chart: SVGSVGElement;
}

export class AudienceChart {
  private feedId = "";
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(private readonly opts: AudienceChartOptions) {}

  follow(feedId: string): void {
    if (feedId === this.feedId) return;
    this.feedId = feedId;
    clearInterval(this.timer);
    this.opts.peak.textContent = "";
    this.opts.chart.replaceChildren();
    this.opts.chart.setAttribute("aria-label", "Readers over time: loading");
    this.timer = setInterval(() => void this.refresh(), REFRESH_MS);
    void this.refresh();
  }

  async refresh(): Promise<void> {
    const feedId = this.feedId;
    if (feedId === "" || !credentials.present()) return;
    try {
      const { data } = await api.request("GET /v1/feeds/:feedId/audience", {
        params: { feedId },
        query: { hours: HOURS },
      });
      if (feedId === this.feedId) this.render(data);
    } catch {
      // "Readers now" says why the counts cannot be read; the last chart stays until they can.
    }
  }

  private render(a: FeedAudience): void {
    const { peak, chart } = this.opts;
    peak.textContent = a.peak === null ? "Peak: –" : `Peak ${count(a.peak.readers)} at ${when(a.peak.at)}`;
    chart.setAttribute("aria-label", describe(a));
    const end = Date.now();
    // A feed younger than the span fills the chart with what it has.
    const start = Math.max(end - HOURS * 3_600_000, Date.parse(a.samples[0]?.at ?? "") || end);
    const width = Math.max(end - start, 1);
    const top = Math.max(1, ...a.samples.map((s) => s.readers));
    const points = a.samples.map((s): [number, number] => [
      round((W * (Date.parse(s.at) - start)) / width),
      round(H - 1 - ((H - 2) * s.readers) / top),
    ]);
    const line = points.map(([x, y], i) => `${i === 0 ? "M" : "L"}${x} ${y}`).join("");
    const first = points[0];
    const last = points.at(-1);
    const parts: SVGElement[] = [];
    if (first !== undefined && last !== undefined) {
      parts.push(path(`${line}L${last[0]} ${H}L${first[0]} ${H}Z`, "area"));
      parts.push(path(points.length === 1 ? `M${first[0] - 1} ${first[1]}h2` : line, "line"));
    }
    chart.replaceChildren(...parts);
  }
}

/** The text alternative: "Readers over the last 6 hours: from 120 to 4,310, peak 5,020 at 21:40". */
export function describe(a: FeedAudience): string {
  const span = `Readers over the last ${HOURS} hours`;
  const first = a.samples[0];
  const last = a.samples.at(-1);
  if (first === undefined || last === undefined) return `${span}: no samples yet`;
  const peak = a.peak === null ? "" : `, peak ${count(a.peak.readers)} at ${when(a.peak.at)}`;
  return `${span}: from ${count(first.readers)} to ${count(last.readers)}${peak}`;
}

function count(n: number): string {
  return n.toLocaleString("en");
}

/** 21:40 today; "6 Dec, 21:40" for an older peak. */
function when(at: AudienceSample["at"]): string {
  const d = new Date(at);
  const time = d.toLocaleTimeString("en-GB", { hour: "2-digit", minute: "2-digit" });
  if (d.toDateString() === new Date().toDateString()) return time;
  return `${d.toLocaleDateString("en-GB", { day: "numeric", month: "short" })}, ${time}`;
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}

function path(d: string, cls: string): SVGPathElement {
  const p = document.createElementNS(SVG, "path");
  p.setAttribute("d", d);
  p.setAttribute("class", cls);
  return p;
}
