/**
 * The alerts waiting out their undo window, one line each at the top of the console:
 * "Alert goes out in 30 s — Undo". Undo recalls it (DELETE …/entries/:entryId/alert); a recall
 * that comes too late is told so (409 `alert_already_sent`).
 */
import { ApiError, api, describeError } from "./console-api.js";

export interface AlertUndoOptions {
  list: HTMLElement;
  say: (text: string, isError?: boolean) => void;
}

export class AlertUndo {
  private readonly timers = new Map<string, ReturnType<typeof setInterval>>();

  constructor(private readonly o: AlertUndoOptions) {}

  /** An alert of `entryId` (named `name`) leaves in `seconds`: offer to undo it until then. */
  waiting(feedId: string, entryId: string, name: string, seconds: number): void {
    if (seconds <= 0) return;
    this.done(entryId);
    const li = document.createElement("li");
    li.dataset.entryId = entryId;
    const text = document.createElement("span");
    const undo = document.createElement("button");
    undo.type = "button";
    undo.textContent = "Undo";
    undo.setAttribute("aria-label", `Undo the alert of “${name}”`);
    li.append(text, " — ", undo);
    const until = Date.now() + seconds * 1000;
    const tick = () => {
      const left = Math.ceil((until - Date.now()) / 1000);
      if (left <= 0) return this.done(entryId);
      text.textContent = `Alert goes out in ${left} s`;
    };
    tick();
    this.timers.set(entryId, setInterval(tick, 250));
    undo.addEventListener("click", () => void this.recall(feedId, entryId, name));
    this.o.list.append(li);
    this.o.list.hidden = false;
  }

  private async recall(feedId: string, entryId: string, name: string): Promise<void> {
    this.done(entryId);
    try {
      await api.request("DELETE /v1/feeds/:feedId/entries/:entryId/alert", { params: { feedId, entryId } });
      this.o.say(`Alert recalled: nothing was sent for “${name}”.`);
    } catch (err) {
      const late = err instanceof ApiError && err.code === "alert_already_sent";
      this.o.say(late ? `Too late: the alert of “${name}” has gone out.` : describeError(err), true);
    }
  }

  private done(entryId: string): void {
    clearInterval(this.timers.get(entryId));
    this.timers.delete(entryId);
    this.o.list.querySelector(`li[data-entry-id="${CSS.escape(entryId)}"]`)?.remove();
    this.o.list.hidden = this.o.list.childElementCount === 0;
  }
}
