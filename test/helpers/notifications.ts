import type { BrowserContext } from "playwright-core";

/**
 * Web notifications for a test page, on any Chromium the tests drive.
 *
 * The headless shell that @sparticuz/chromium ships has no notification platform: whatever
 * permission is granted (Playwright's grant reaches the Permissions API and
 * `Notification.requestPermission()`, which answer "granted"), `Notification.permission` stays
 * "denied" and `registration.showNotification()` rejects. On such a browser exactly those two
 * are stood in for, and nothing else: the page's `Notification.permission` reports the granted
 * permission, and the service worker's registration keeps the notifications it is asked to show
 * (for `getNotifications()`), checking their options as the browser would (`data` must be
 * cloneable). The service worker itself, its push handler, the permission request, the
 * registration and the push subscription attempt stay the browser's own. On a Chromium that has
 * the platform (a system one), nothing is replaced.
 */
export interface Notifications {
  /** True when this browser shows notifications itself; false when the stand-in does. */
  readonly native: boolean;
  /** What the service worker of `scope` has shown (title, body, data.url), read inside it. */
  shown(scope: string): Promise<{ title: string; body: string; url: string | undefined }[]>;
}

// In the page, before any script: Notification.permission follows the Permissions API.
const PAGE_STAND_IN = `(() => {
  let permission = "default";
  const from = (state) => (state === "prompt" ? "default" : state);
  navigator.permissions.query({ name: "notifications" }).then((s) => { permission = from(s.state); });
  const request = Notification.requestPermission.bind(Notification);
  Object.defineProperty(Notification, "permission", { configurable: true, get: () => permission });
  Notification.requestPermission = async () => (permission = await request());
})();
`;

// Put before the service worker's own script: a registration that keeps what it shows.
const WORKER_STAND_IN = `(() => {
  let shown = [];
  ServiceWorkerRegistration.prototype.showNotification = async function (title, options = {}) {
    const n = { title: String(title), body: String(options.body ?? ""), tag: String(options.tag ?? ""),
      data: structuredClone(options.data ?? null) };
    shown = shown.filter((o) => n.tag === "" || o.tag !== n.tag).concat(n);
  };
  ServiceWorkerRegistration.prototype.getNotifications = async function () {
    return shown.map((n) => ({ ...n }));
  };
})();
`;

/**
 * Grant `origin` the notification permission in `context` and, where the browser has no
 * notification platform, stand in for it (see above). Call before opening the pages it concerns;
 * `serviceWorkerPath` is the script whose registration shows the notifications.
 */
export async function allowNotifications(
  context: BrowserContext,
  origin: string,
  serviceWorkerPath: string,
): Promise<Notifications> {
  await context.grantPermissions(["notifications"], { origin });
  const probe = await context.newPage();
  await probe.goto(`${origin}/healthz`);
  const native = await probe.evaluate(() => Notification.permission === "granted");
  await probe.close();
  if (!native) {
    await context.addInitScript({ content: PAGE_STAND_IN });
    await context.route(`${origin}${serviceWorkerPath}`, async (route) => {
      const response = await route.fetch();
      await route.fulfill({ response, body: WORKER_STAND_IN + (await response.text()) });
    });
  }
  return {
    native,
    shown: async (scope) => {
      const worker = context.serviceWorkers().find((w) => w.url().startsWith(scope));
      if (worker === undefined) return [];
      return worker.evaluate(async () => {
        const list = await (
          self as unknown as { registration: ServiceWorkerRegistration }
        ).registration.getNotifications();
        return list.map((n) => ({ title: n.title, body: n.body, url: (n.data as { url?: string } | null)?.url }));
      });
    },
  };
}
