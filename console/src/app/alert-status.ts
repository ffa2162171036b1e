import type { AlertStatus } from "@liveline/protocol";

/**
 * One line for the console: how many breaking-news alerts went out this hour against the
 * feed's cap, and who the latest one reached (GET /v1/feeds/:feedId/alerts).
 */
export function describeAlerts(s: AlertStatus): string {
  const head = `Breaking-news alerts this hour: ${s.sentLastHour} of ${s.cap}.`;
  const last = s.last[0];
  if (last === undefined) return `${head} None sent yet.`;
  const what = last.headline === undefined ? `entry ${last.entryId}` : `“${last.headline}”`;
  if (last.status === "capped") return `${head} Latest, ${what}, was held back: the hourly cap was reached.`;
  if (last.status === "skipped") return `${head} Latest, ${what}, was not sent: retracted or no longer breaking.`;
  const n = (k: number, one: string, many: string) => `${k.toLocaleString("en")} ${k === 1 ? one : many}`;
  const push = [n(last.webPush, "browser", "browsers"), n(last.fcm, "app", "apps")];
  // Endpoints that got `alert.sent` are named only when there were some, as the confirmation does.
  const to =
    last.webhooks === undefined || last.webhooks === 0
      ? push.join(" and ")
      : `${push.join(", ")} and ${n(last.webhooks, "webhook", "webhooks")}`;
  return `${head} Latest, ${what}, went to ${to}.`;
}
