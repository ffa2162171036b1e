/**
 * An entry's history for the desk: each revision with who made it (a person's name, or a service
 * account's label), when, and how (GET /v1/feeds/:feedId/entries/:entryId/revisions).
 */
import type { Revision } from "@liveline/protocol";

const WHAT: Record<Revision["type"], string> = {
  "entry.drafted": "drafted",
  "entry.published": "published",
  "entry.updated": "edited",
  "entry.deleted": "retracted",
};

const when = new Intl.DateTimeFormat(undefined, {
  day: "numeric",
  month: "short",
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
});

/** One line of the history: "rev. 2 · edited by Ana Ruiz · 6 Dec, 21:40:12" (and a retraction's reason). */
export function describeRevision(r: Revision): string {
  const reason = r.reason === undefined ? "" : ` (“${r.reason}”)`;
  return `rev. ${r.revision} · ${WHAT[r.type]} by ${r.by.name} · ${when.format(new Date(r.at))}${reason}`;
}

export interface HistoryDialogUi {
  dialog: HTMLDialogElement;
  title: HTMLElement;
  list: HTMLOListElement;
}

/** Shows the revisions (oldest first) of the entry named `name`. */
export function showHistory(ui: HistoryDialogUi, name: string, revisions: readonly Revision[]): void {
  ui.title.textContent = `History of “${name}”`;
  ui.list.replaceChildren(
    ...revisions.map((r) => {
      const li = document.createElement("li");
      li.textContent = describeRevision(r);
      li.title = r.by.id === r.by.name ? r.by.id : `${r.by.name} (${r.by.id})`;
      return li;
    }),
  );
  if (revisions.length === 0)
    ui.list.append(Object.assign(document.createElement("li"), { textContent: "No revisions kept." }));
  ui.dialog.showModal();
}
