/**
 * "Alert me to breaking news on this story": a reader's opt-in to Web Push for one feed.
 * Offered only where it can work: the browser has service workers and the Push API, and the
 * page is on the Liveline origin (a service worker must be served from the page's own origin;
 * Liveline serves it at /liveline-sw.js). The button sits after the widget's element, outside
 * its shadow root, and reports its state in `data-state` for styling and tests.
 */

type OptInState = "idle" | "subscribing" | "subscribed" | "denied" | "failed";

const LABELS: Record<OptInState, string> = {
  idle: "Alert me to breaking news on this story",
  subscribing: "Turning on alerts…",
  subscribed: "Breaking-news alerts are on",
  denied: "Notifications are blocked for this site",
  failed: "Alerts are not available right now",
};

/** A browser waits on its vendor's push service; past this the reader is told alerts are unavailable. */
const SUBSCRIBE_TIMEOUT_MS = 10_000;

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
    p.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err instanceof Error ? err : new Error(String(err)));
      },
    );
  });
}

function base64UrlToBytes(s: string): Uint8Array<ArrayBuffer> {
  const padded = s.replace(/-/g, "+").replace(/_/g, "/") + "=".repeat((4 - (s.length % 4)) % 4);
  const binary = atob(padded);
  const bytes = new Uint8Array(new ArrayBuffer(binary.length));
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** True when this page can offer the opt-in for a Liveline server at `baseUrl`. */
export function canOfferAlerts(win: Window, baseUrl: string): boolean {
  return (
    "serviceWorker" in win.navigator &&
    "PushManager" in win &&
    "Notification" in win &&
    win.location.origin === new URL(baseUrl).origin
  );
}

async function subscribe(win: Window, baseUrl: string, feedId: string): Promise<OptInState> {
  const permission = await Notification.requestPermission();
  if (permission !== "granted") return "denied";
  const registration = await win.navigator.serviceWorker.register("/liveline-sw.js", { scope: "/" });
  await win.navigator.serviceWorker.ready;
  const keyRes = await win.fetch(`${baseUrl}/v1/push/web/key`);
  if (!keyRes.ok) return "failed";
  const { publicKey } = (await keyRes.json()) as { publicKey: string };
  const subscription = await withTimeout(
    registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: base64UrlToBytes(publicKey) }),
    SUBSCRIBE_TIMEOUT_MS,
    "the browser's push service",
  );
  const res = await win.fetch(`${baseUrl}/v1/feeds/${encodeURIComponent(feedId)}/push/web`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(subscription.toJSON()),
  });
  return res.ok ? "subscribed" : "failed";
}

/** Put the opt-in button after `element` when the browser and page allow it; returns it, if shown. */
export function offerAlerts(element: HTMLElement, feedId: string, baseUrl: string): HTMLButtonElement | undefined {
  const doc = element.ownerDocument;
  const win = doc.defaultView;
  if (win === null || !canOfferAlerts(win, baseUrl)) return undefined;
  const button = doc.createElement("button");
  button.type = "button";
  button.className = "liveline-alerts";
  const show = (state: OptInState) => {
    button.dataset.state = state;
    button.textContent = LABELS[state];
    button.disabled = state === "subscribing" || state === "subscribed";
  };
  show(Notification.permission === "denied" ? "denied" : "idle");
  button.addEventListener("click", () => {
    show("subscribing");
    subscribe(win, new URL(baseUrl).origin, feedId).then(show, (err: unknown) => {
      button.dataset.error = err instanceof Error ? err.message : String(err);
      show("failed");
    });
  });
  element.after(button);
  return button;
}
