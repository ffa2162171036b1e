import { describe, expect, it } from "vitest";
import { useBrowser } from "./helpers/browser.js";
import { allowNotifications } from "./helpers/notifications.js";
import { TOKEN } from "./helpers/stack.js";
import { useStack } from "./helpers/use-stack.js";
import { startReceiver } from "./helpers/local-receiver.js";
import { waitFor } from "./helpers/wait.js";

// The reader's opt-in in Chromium, as far as a browser goes without a network: the button,
// the permission, the service worker at /liveline-sw.js, the key fetch and the subscribe call.
// A real PushSubscription needs the browser vendor's push service, which is not reachable here,
// so pushManager.subscribe fails; the service worker's push handling is then driven through the
// DevTools protocol (ServiceWorker.deliverPushMessage) instead. On the bundled headless shell,
// which has no notification platform, helpers/notifications.ts stands in for that platform alone.
const { stack } = useStack({ ALLOW_PRIVATE_OUTBOUND: "true" });
const browser = useBrowser();

describe("breaking-news opt-in", () => {
  it("registers the service worker, asks for the key, tries to subscribe, and shows a pushed alert", async () => {
    await stack.api.createFeed("sw-story", "Storm coverage");
    const notifications = await allowNotifications(browser.context, stack.url, "/liveline-sw.js");
    const page = await browser.context.newPage();
    const requests: string[] = [];
    page.on("request", (r) => requests.push(new URL(r.url()).pathname));
    await page.goto(`${stack.url}/feeds/sw-story`);
    const button = page.locator("button.liveline-alerts");
    await button.waitFor();
    expect(await button.textContent()).toBe("Alert me to breaking news on this story");
    expect(await button.getAttribute("data-state")).toBe("idle");

    await button.click();
    await page
      .locator("button.liveline-alerts[data-state=failed], button.liveline-alerts[data-state=subscribed]")
      .waitFor({ timeout: 20_000 });
    const state = await button.getAttribute("data-state");
    // Without the vendor's push service the subscription cannot be made.
    expect(state).toBe("failed");
    expect(await button.getAttribute("data-error")).toMatch(/push service/);
    expect(requests).toContain("/v1/push/web/key");
    const scriptUrl = await page.evaluate(
      async () => (await navigator.serviceWorker.getRegistration("/"))?.active?.scriptURL,
    );
    expect(scriptUrl).toBe(`${stack.url}/liveline-sw.js`);

    // Drive the service worker's push handler as a push service would.
    const cdp = await browser.context.newCDPSession(page);
    const registrationId = await new Promise<string>((resolve) => {
      cdp.on(
        "ServiceWorker.workerRegistrationUpdated",
        (e: { registrations: { registrationId: string; scopeURL: string }[] }) => {
          const found = e.registrations.find((r) => r.scopeURL === `${stack.url}/`);
          if (found) resolve(found.registrationId);
        },
      );
      void cdp.send("ServiceWorker.enable");
    });
    const alert = {
      v: 1,
      feedId: "sw-story",
      entryId: "e1",
      seq: 1,
      title: "Storm coverage",
      body: "Landfall",
      url: "/feeds/sw-story#entry-e1",
    };
    await cdp.send("ServiceWorker.deliverPushMessage", {
      origin: stack.url,
      registrationId,
      data: JSON.stringify(alert),
    });
    await expect
      .poll(() => notifications.shown(`${stack.url}/`), { timeout: 10_000 })
      .toEqual([{ title: "Storm coverage", body: "Landfall", url: `${stack.url}/feeds/sw-story#entry-e1` }]);
  });

  it("is not offered on a page of another origin (its service worker could not be registered there)", async () => {
    const site = await startReceiver((_req, res) => {
      res.writeHead(200, { "content-type": "text/html" });
      res.end(
        `<!doctype html><div id="live" data-liveline-feed="sw-story"></div><script src="${stack.url}/widget.js"></script>`,
      );
    });
    try {
      const page = await browser.context.newPage();
      await page.goto(`${site.url}/news`);
      await page.locator("#live .status[data-state=live]").waitFor();
      expect(await page.evaluate(() => "serviceWorker" in navigator && "PushManager" in window)).toBe(true);
      expect(await page.locator("button.liveline-alerts").count()).toBe(0);
    } finally {
      await site.close();
    }
  });

  it("tells editors in the console how many alerts went out, and to whom", async () => {
    await stack.api.createFeed("sw-desk", "Desk");
    // An endpoint that takes the desk's alerts (alert.sent) is counted with the browsers and apps.
    const endpoint = await startReceiver((_req, res) => void res.writeHead(204).end());
    try {
      const hook = { url: `${endpoint.url}/alerts`, feeds: ["sw-desk"], events: ["alert.sent"] };
      expect((await stack.api.request("POST", "/v1/webhooks", hook)).status).toBe(201);
      await stack.api.publish("sw-desk", { id: "b1", headline: "Dam breached", body: "<p>x</p>", breaking: true });
      const page = await browser.context.newPage();
      await page.goto(`${stack.url}/console?feed=sw-desk`);
      await page.getByText("Use an API token").click();
      await page.locator("#token").fill(TOKEN);
      await page.locator("#token-form button[type=submit]").click();
      await page.locator("#alerts", { hasText: "Breaking-news alerts this hour: 1 of 10." }).waitFor();
      expect(await page.locator("#alerts").textContent()).toContain(
        "“Dam breached”, went to 0 browsers, 0 apps and 1 webhook.",
      );
      await waitFor(() => endpoint.received.length === 1, "alert.sent at the endpoint");
      await page.close();
    } finally {
      await endpoint.close();
    }
  });
});
