/**
 * An edit conflict (If-Match answered 412): a colleague saved the entry after this editor opened
 * it. A modal dialog, so it is in view on a laptop and a phone whatever was scrolled, shows their
 * version and mine side by side with the three-way merge of the two, and lets the editor take
 * theirs, keep mine, or use the merge.
 */
import type { Entry } from "@liveline/protocol";
import { mergeBodies, mergeField } from "./three-way.js";

export type ConflictChoice =
  { take: "theirs" } | { take: "mine" } | { take: "merge"; headline: string; body: string } | { take: "later" };

export interface Version {
  headline: string;
  body: string;
}

export interface ConflictUi {
  dialog: HTMLDialogElement;
  theirsTitle: HTMLElement;
  theirs: HTMLElement;
  mine: HTMLElement;
  merged: HTMLElement;
  note: HTMLElement;
}

function show(box: HTMLElement, v: Version): void {
  const headline = document.createElement("p");
  headline.className = "version-headline";
  headline.textContent = v.headline === "" ? "(no headline)" : v.headline;
  // Bodies are the server's sanitized HTML or the composer's (its schema is the same allowlist).
  const body = document.createElement("div");
  body.innerHTML = v.body;
  box.replaceChildren(headline, body);
}

export function askAboutConflict(ui: ConflictUi, base: Entry, theirs: Entry, mine: Version): Promise<ConflictChoice> {
  const theirsVersion = { headline: theirs.headline ?? "", body: theirs.body };
  const merged = mergeBodies(base.body, theirs.body, mine.body);
  const headline = mergeField(base.headline ?? "", theirsVersion.headline, mine.headline);
  ui.theirsTitle.textContent = `Theirs, as saved now (rev. ${theirs.revision})`;
  show(ui.theirs, theirsVersion);
  show(ui.mine, mine);
  show(ui.merged, { headline, body: merged.html });
  ui.note.textContent =
    merged.conflicts === 0
      ? "Your changes and theirs touch different paragraphs: the merge keeps both."
      : `${merged.conflicts === 1 ? "1 passage was" : `${merged.conflicts} passages were`} changed by both of you: the merge keeps both versions, yours first. Remove the one you do not want before saving.`;
  return new Promise((resolve) => {
    ui.dialog.addEventListener(
      "close",
      () => {
        const v = ui.dialog.returnValue;
        resolve(
          v === "theirs"
            ? { take: "theirs" }
            : v === "mine"
              ? { take: "mine" }
              : v === "merge"
                ? { take: "merge", headline, body: merged.html }
                : { take: "later" },
        );
      },
      { once: true },
    );
    ui.dialog.returnValue = "";
    ui.dialog.showModal();
  });
}
