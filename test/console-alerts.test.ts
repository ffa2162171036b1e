import { Redis } from "ioredis";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AlertStatus, Entry } from "@liveline/protocol";
import { axeViolations } from "./helpers/axe.js";
import { useBrowser } from "./helpers/browser.js";
import { CONSOLE_PHONE, editor, openConsole } from "./helpers/console-page.js";
import { lookAt } from "./helpers/console-look.js";
import { startReceiver, type LocalReceiver } from "./helpers/local-receiver.js";
import { useStack } from "./helpers/use-stack.js";
import { newSubscriber } from "./helpers/web-push-decrypt.js";
import { waitFor } from "./helpers/wait.js";

// Marking an entry breaking asks first, with the alert and who it reaches, and then leaves a
// window to undo it: Chromium against the real stack, with readers subscribed to alerts.

const fixture = useStack({ ALLOW_PRIVATE_OUTBOUND: "true", ALERT_UNDO_SECONDS: "30" });
const browser = useBrowser({ viewport: CONSOLE_PHONE });
const FEED = "alerts-desk";
const LAPTOP = { width: 1440, height: 900 };
let push: LocalReceiver;

beforeAll(async () => {
  push = await startReceiver((_req, res) => {
    res.writeHead(201).end();
  });
  const { api } = fixture.stack;
  expect((await api.request("POST", "/v1/feeds", { id: FEED, title: "Border tensions, live" })).status).toBe(201);
  for (const n of [1, 2]) {
    const sub = { endpoint: `${push.url}/reader/${n}`, keys: newSubscriber().keys };
    expect((await api.as(null).request("POST", `/v1/feeds/${FEED}/push/web`, sub)).status).toBe(201);
  }
  expect((await api.request("POST", "/v1/webhooks", { url: `${push.url}/hook`, feeds: [FEED] })).status).toBe(201);
});
afterAll(async () => push.close());

async function entries(): Promise<Entry[]> {
  return (await fixture.stack.api.request<{ entries: Entry[] }>("GET", `/v1/feeds/${FEED}/entries`)).body.entries;
}

/** Fills the composer with a breaking entry and presses Publish: the confirmation opens. */
async function composeBreaking(page: Page, headline: string): Promise<void> {
  await page.locator("#headline").fill(headline);
  await editor(page).click();
  await page.keyboard.type("Shelling reported near the checkpoint.");
  await page.locator("#breaking").check();
  await page.locator("#submit").click();
  await page.locator("#alert-confirm").waitFor();
  await expect.poll(() => page.locator("#alert-confirm-reach").textContent()).toMatch(/^It will reach/);
}

describe("alerts on purpose, in the console", () => {
  for (const [name, viewport] of [
    ["phone", CONSOLE_PHONE],
    ["desktop", LAPTOP],
  ] as const)
    it(`asks with the alert and its reach; Cancel sends nothing (${name})`, async () => {
      const page = await openConsole(browser, fixture.stack, FEED, viewport);
      const before = (await entries()).length;
      await composeBreaking(page, `Ceasefire collapses (${name})`);
      const dialog = page.locator("#alert-confirm");
      expect(await dialog.locator("#alert-confirm-feed").textContent()).toBe("Border tensions, live");
      expect(await dialog.locator("#alert-confirm-text").textContent()).toBe(`Ceasefire collapses (${name})`);
      expect(await dialog.locator("#alert-confirm-reach").textContent()).toBe(
        "It will reach 2 browsers, 0 app devices and 1 webhook.",
      );
      expect(await dialog.locator("#alert-confirm-when").textContent()).toBe(
        "Phones, browsers and 1 webhook get the alert 30 s after the entry is saved; until then you can undo it. The entry itself reaches webhooks at once, as every entry does.",
      );
      const shot = await lookAt(page, `alert-confirm-${viewport.width}x${viewport.height}`);
      console.log(`confirmation dialog: ${shot}`);
      expect(await axeViolations(page)).toEqual([]);
      await dialog.getByRole("button", { name: "Cancel" }).click();
      await expect.poll(() => page.locator("#message").textContent()).toMatch(/^Not sent: the alert was not confirmed/);
      expect(await page.locator("#headline").inputValue()).toBe(`Ceasefire collapses (${name})`);
      expect((await entries()).length).toBe(before);
      await page.close();
    });

  it("sends once confirmed, shows “Alert goes out in 30 s — Undo”, and Undo recalls it", async () => {
    const { api, store } = fixture.stack;
    const page = await openConsole(browser, fixture.stack, FEED, LAPTOP);
    await composeBreaking(page, "Troops withdraw");
    await page.locator("#alert-confirm-send").click();
    const line = page.locator("#alert-undo li");
    await expect.poll(() => line.textContent()).toMatch(/^Alert goes out in (30|29|28) s — Undo$/);
    const published = await waitFor(async () => (await entries()).find((e) => e.headline === "Troops withdraw"), "it");
    expect(published.breaking).toBe(true);
    await lookAt(page, "alert-undo-1440x900");

    // Once the alert waits as a delayed job, Undo removes it: it is recorded as recalled.
    const redis = new Redis(fixture.redis.url);
    const job = `${store.keys.queuePrefix()}:outputs:alert.${FEED}.${published.id}`;
    await waitFor(async () => (await redis.exists(job)) === 1, "the alert's delayed job");
    await page.getByRole("button", { name: "Undo the alert of “Troops withdraw”" }).click();
    await expect
      .poll(() => page.locator("#message").textContent())
      .toBe("Alert recalled: nothing was sent for “Troops withdraw”.");
    expect(await page.locator("#alert-undo").isHidden()).toBe(true);
    expect(await redis.exists(job)).toBe(0);
    redis.disconnect();
    const status = await api.request<AlertStatus>("GET", `/v1/feeds/${FEED}/alerts`);
    expect(status.body.last.find((r) => r.entryId === published.id)?.status).toBe("recalled");
    expect(push.received.filter((r) => r.path.startsWith("/reader/"))).toHaveLength(0);
    await page.close();
  });

  it("asks too when a published entry is marked breaking from the timeline", async () => {
    const { api } = fixture.stack;
    expect((await api.publish(FEED, { id: "calm", headline: "Talks resume", body: "<p>Quiet.</p>" })).status).toBe(202);
    const page = await openConsole(browser, fixture.stack, FEED, LAPTOP);
    await page.getByRole("button", { name: "Breaking “Talks resume”" }).click();
    await page.locator("#alert-confirm").waitFor();
    expect(await page.locator("#alert-confirm-text").textContent()).toBe("Talks resume");
    await expect.poll(() => page.locator("#alert-confirm-reach").textContent()).toMatch(/^It will reach 2 browsers/);
    await page.locator("#alert-confirm-send").click();
    await expect.poll(() => page.locator("#alert-undo li").textContent()).toMatch(/^Alert goes out in \d+ s — Undo$/);
    await waitFor(
      async () => (await entries()).find((e) => e.id === "calm" && e.breaking),
      "the entry marked breaking",
    );
    await page.close();
  });
});
