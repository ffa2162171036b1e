import { Redis } from "ioredis";
import type { Page } from "playwright-core";
import { beforeAll, describe, expect, it } from "vitest";
import type { FeedAudience } from "@liveline/protocol";
import { AudienceStore } from "@liveline/server";
import { axeViolations, LAPTOP } from "./helpers/axe.js";
import { useBrowser } from "./helpers/browser.js";
import { lookAt } from "./helpers/console-look.js";
import { CONSOLE_PHONE, openConsole } from "./helpers/console-page.js";
import { openReader, readerReady, type Reader } from "./helpers/reader.js";
import { useStack } from "./helpers/use-stack.js";
import { waitFor } from "./helpers/wait.js";

// Editors see beside "Readers now" the feed's peak and a chart of its readers over the last hours.

const { stack, redis } = useStack({ PRESENCE_INTERVAL_MS: "100", AUDIENCE_SAMPLE_MS: "200" });
const browser = useBrowser();
const FEED = "audience-desk";
/** A feed with hours of history, written as the sampler writes it (a story that rose and fell). */
const STORY = "audience-story";
const STORY_COUNTS = [120, 180, 260, 410, 900, 1600, 2400, 3300, 4100, 4700, 5020, 4900, 4600, 4310];

async function audience(feedId = FEED): Promise<FeedAudience> {
  const res = await stack.api.request<FeedAudience>("GET", `/v1/feeds/${feedId}/audience`);
  expect(res.status).toBe(200);
  return res.body;
}

let peak: NonNullable<FeedAudience["peak"]>;

beforeAll(async () => {
  expect((await stack.api.createFeed(STORY)).status).toBe(201);
  const client = new Redis(redis.url);
  try {
    const store = new AudienceStore(client, stack.store.keys);
    const step = 20 * 60_000;
    const first = Date.now() - (Date.now() % step) - (STORY_COUNTS.length - 1) * step - step;
    for (const [i, n] of STORY_COUNTS.entries())
      await store.record(first + i * step, "seed", new Map([[STORY, n]]), 24 * 3_600_000);
  } finally {
    client.disconnect();
  }
  expect((await stack.api.createFeed(FEED)).status).toBe(201);
  const readers: Reader[] = [];
  for (let i = 0; i < 4; i++) readers.push(openReader(stack.url, FEED));
  await Promise.all(readers.map((r) => readerReady(r)));
  await waitFor(async () => (await audience()).peak?.readers === 4, "a sample of 4 readers", 20_000, 200);
  // Two leave: the peak stays 4 even with the console's own connection counted.
  for (const r of readers.slice(2)) r.close();
  const after = await waitFor(
    async () => {
      const a = await audience();
      return a.samples.at(-1)?.readers === 2 ? a : undefined;
    },
    "a sample of 2 readers",
    20_000,
    200,
  );
  expect(after.peak?.readers).toBe(4);
  if (after.peak) peak = after.peak;
});

/**
 * The time as the page's clock shows it: hours and minutes, after the day when it is not today
 * in the page's clock (a story's peak seen just after midnight was yesterday).
 */
const shownAt = (page: Page, at: string) =>
  page.evaluate((t) => {
    const d = new Date(t);
    const time = d.toLocaleTimeString("en-GB", { hour: "2-digit", minute: "2-digit" });
    if (d.toDateString() === new Date().toDateString()) return time;
    return `${d.toLocaleDateString("en-GB", { day: "numeric", month: "short" })}, ${time}`;
  }, at);

describe("the audience beside readers now", () => {
  for (const [size, viewport] of [
    ["phone", CONSOLE_PHONE],
    ["laptop", LAPTOP],
  ] as const)
    for (const scheme of ["light", "dark"] as const)
      it(`shows the peak and a chart with its text alternative (${size}, ${scheme})`, async () => {
        const page = await openConsole(browser, stack, FEED, viewport);
        await page.emulateMedia({ colorScheme: scheme });
        const time = await shownAt(page, peak.at);
        await expect.poll(() => page.locator("#audience-peak").textContent()).toBe(`Peak 4 at ${time}`);
        const chart = page.getByRole("img", { name: /^Readers over the last 6 hours/ });
        await expect
          .poll(() => chart.getAttribute("aria-label"))
          .toMatch(new RegExp(`^Readers over the last 6 hours: from [1-4] to [1-4], peak 4 at ${time}$`));
        // A line is drawn, inside the top bar and beside "Readers now", not over it.
        expect(await page.locator("#audience-chart path.line").count()).toBe(1);
        const [readersBox, chartBox, peakBox] = await Promise.all(
          ["#readers", "#audience-chart", "#audience-peak"].map((s) => page.locator(s).boundingBox()),
        );
        expect(chartBox?.width).toBeGreaterThan(40);
        expect(peakBox?.width).toBeGreaterThan(20);
        for (const [a, b] of [
          [readersBox, chartBox],
          [chartBox, peakBox],
        ] as const) {
          if (!a || !b) throw new Error("the top bar's parts must be visible");
          const apart = a.x + a.width <= b.x || b.x + b.width <= a.x || a.y + a.height <= b.y || b.y + b.height <= a.y;
          expect(apart).toBe(true);
        }
        // Nothing wider than the screen.
        expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(viewport.width);
        expect(await axeViolations(page)).toEqual([]);
        console.log(`audience look: ${await lookAt(page, `audience-${size}-${scheme}`)}`);
        await page.close();
      });

  it("says how a story's readers moved over the last hours", async () => {
    const page = await openConsole(browser, stack, STORY, LAPTOP);
    const story = await audience(STORY);
    const top = story.peak;
    if (top === null) throw new Error("the story has a peak");
    expect(top.readers).toBe(5020);
    const time = await shownAt(page, top.at);
    await expect.poll(() => page.locator("#audience-peak").textContent()).toBe(`Peak 5,020 at ${time}`);
    // The last sample is the sampler's own (the console's connection, maybe), after the seeded ones.
    await expect
      .poll(() => page.locator("#audience-chart").getAttribute("aria-label"))
      .toMatch(new RegExp(`^Readers over the last 6 hours: from 120 to [0-9,]+, peak 5,020 at ${time}$`));
    console.log(`audience look: ${await lookAt(page, "audience-story-laptop")}`);
    await page.setViewportSize(CONSOLE_PHONE);
    await page.emulateMedia({ colorScheme: "dark" });
    expect(await axeViolations(page)).toEqual([]);
    console.log(`audience look: ${await lookAt(page, "audience-story-phone-dark")}`);
    await page.close();
  });
});
