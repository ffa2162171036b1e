/**
 * Marking an entry breaking sends an alert to readers' phones and browsers: the console asks
 * first, in a dialog of its own, with the alert as readers will get it (the feed's title and the
 * entry's headline or first words) and who it will reach (GET /v1/feeds/:feedId/alerts/reach).
 * Once confirmed, the alert waits out its undo window (AlertUndo) before anything leaves.
 */
import type { AlertReach } from "@liveline/protocol";
import { alertBody, alertTitle } from "@liveline/protocol/constants";

export interface AlertConfirmUi {
  dialog: HTMLDialogElement;
  title: HTMLElement;
  text: HTMLElement;
  reach: HTMLElement;
  when: HTMLElement;
  confirm: HTMLButtonElement;
}

const count = (n: number, one: string, many: string) => `${n.toLocaleString("en")} ${n === 1 ? one : many}`;

/** "2 browsers, 1 app device and no webhook". */
export function describeReach(r: AlertReach): string {
  const parts = [
    count(r.browsers, "browser", "browsers"),
    count(r.devices, "app device", "app devices"),
    r.webhooks === 0 ? "no webhook" : count(r.webhooks, "webhook", "webhooks"),
  ];
  return `It will reach ${parts[0]}, ${parts[1]} and ${parts[2]}.`;
}

/**
 * When it leaves, and what webhooks get: the webhooks counted receive the alert (`alert.sent`)
 * with phones and browsers, after the window; the entry itself goes to webhooks at once, as
 * every entry does (a site mirroring the feed needs it).
 */
export function describeWindow(r: AlertReach): string {
  const who =
    r.webhooks === 0 ? "Phones and browsers" : `Phones, browsers and ${count(r.webhooks, "webhook", "webhooks")}`;
  const when =
    r.undoSeconds === 0
      ? `${who} get the alert as soon as the entry is saved.`
      : `${who} get the alert ${r.undoSeconds} s after the entry is saved; until then you can undo it.`;
  return r.webhooks === 0 ? when : `${when} The entry itself reaches webhooks at once, as every entry does.`;
}

/**
 * Asks whether to send the alert of `entry` in the feed titled `feedTitle`. Resolves with who it
 * reaches when the editor confirms, or null when they cancel (or the reach cannot be read: then
 * nothing is marked).
 */
export async function confirmAlert(
  ui: AlertConfirmUi,
  feedTitle: string,
  entry: { headline?: string | undefined; body: string },
  loadReach: () => Promise<AlertReach>,
): Promise<AlertReach | null> {
  ui.title.textContent = alertTitle(feedTitle);
  ui.text.textContent = alertBody(entry);
  ui.reach.textContent = "Counting who it reaches…";
  ui.when.textContent = "";
  ui.confirm.disabled = true;
  ui.dialog.returnValue = "";
  const closed = new Promise<string>((resolve) =>
    ui.dialog.addEventListener("close", () => resolve(ui.dialog.returnValue), { once: true }),
  );
  ui.dialog.showModal();
  let reach: AlertReach;
  try {
    reach = await loadReach();
  } catch {
    ui.reach.textContent = "Could not count who it reaches: try again in a moment.";
    await closed;
    return null;
  }
  ui.reach.textContent = describeReach(reach);
  ui.when.textContent = describeWindow(reach);
  ui.confirm.disabled = false;
  ui.confirm.focus();
  return (await closed) === "confirm" ? reach : null;
}
