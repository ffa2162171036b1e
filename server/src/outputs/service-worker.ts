import type { RequestHandler } from "express";

/**
 * The service worker the widget registers for breaking-news alerts. Served by Liveline from
 * its own origin, so it can show a push's notification and, on a click, open the entry's
 * permalink (the payload's `url`, relative to this origin).
 */
export const SERVICE_WORKER_SOURCE = `/* Liveline service worker: breaking-news alerts */
self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));
self.addEventListener("push", (event) => {
  let alert = null;
  try { alert = event.data ? event.data.json() : null; } catch (e) { alert = null; }
  if (!alert || typeof alert.title !== "string") return;
  const url = new URL(typeof alert.url === "string" ? alert.url : "/", self.location.origin).href;
  event.waitUntil(self.registration.showNotification(alert.title, {
    body: typeof alert.body === "string" ? alert.body : "",
    tag: "liveline-" + alert.feedId + "-" + alert.entryId,
    data: { url: url },
  }));
});
self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const url = event.notification.data && event.notification.data.url;
  if (typeof url === "string" && url.startsWith(self.location.origin)) event.waitUntil(self.clients.openWindow(url));
});
`;

export const serviceWorker: RequestHandler = (_req, res) => {
  res.setHeader("Content-Type", "text/javascript; charset=utf-8");
  // A service worker must be re-checked often; browsers cap its cache at a day anyway.
  res.setHeader("Cache-Control", "no-cache");
  res.setHeader("Service-Worker-Allowed", "/");
  res.send(SERVICE_WORKER_SOURCE);
};
