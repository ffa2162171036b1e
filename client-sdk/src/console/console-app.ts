/**
 * The editor console's script (served as /console.js for the page at /console). It uses the
 * public HTTP API like any CMS would, and the SDK to show the feed's entries live. The editor
 * token lives in sessionStorage only: it is gone when the tab closes.
 */
import type { Entry, Feed } from "@liveline/protocol";
import { LivelineClient } from "../client.js";
import type { Subscription } from "../subscription.js";

const TOKEN_KEY = "liveline-editor-token";

function el<T extends HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (found === null) throw new Error(`console: #${id} missing`);
  return found as T;
}

const ui = {
  tokenForm: el<HTMLFormElement>("token-form"),
  token: el<HTMLInputElement>("token"),
  tokenState: el<HTMLElement>("token-state"),
  feed: el<HTMLSelectElement>("feed"),
  createForm: el<HTMLFormElement>("feed-create"),
  newFeedId: el<HTMLInputElement>("new-feed-id"),
  newFeedTitle: el<HTMLInputElement>("new-feed-title"),
  entryForm: el<HTMLFormElement>("entry-form"),
  composeTitle: el<HTMLElement>("compose-title"),
  headline: el<HTMLInputElement>("headline"),
  body: el<HTMLTextAreaElement>("body"),
  author: el<HTMLInputElement>("author"),
  pinned: el<HTMLInputElement>("pinned"),
  keyEvent: el<HTMLInputElement>("key-event"),
  breaking: el<HTMLInputElement>("breaking"),
  submit: el<HTMLButtonElement>("submit"),
  cancelEdit: el<HTMLButtonElement>("cancel-edit"),
  message: el<HTMLElement>("message"),
  entries: el<HTMLOListElement>("entries"),
  feedLink: el<HTMLAnchorElement>("feed-link"),
};

const client = new LivelineClient({ url: location.origin });
let sub: Subscription | undefined;
let editing: Entry | undefined;

function say(text: string, isError = false): void {
  ui.message.textContent = text;
  ui.message.classList.toggle("error", isError);
}

async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const token = sessionStorage.getItem(TOKEN_KEY);
  const headers: Record<string, string> = {};
  if (token !== null) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(`/v1${path}`, {
    method,
    headers,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const data = (await res.json().catch(() => ({}))) as { error?: { code: string; message: string } };
  if (!res.ok) throw new Error(data.error ? `${data.error.code}: ${data.error.message}` : `HTTP ${res.status}`);
  return data as T;
}

async function attempt(what: () => Promise<unknown>, done: string): Promise<void> {
  try {
    await what();
    say(done);
  } catch (err) {
    say(err instanceof Error ? err.message : String(err), true);
  }
}

function showToken(): void {
  const has = sessionStorage.getItem(TOKEN_KEY) !== null;
  ui.tokenState.textContent = has ? "Token set for this browser tab." : "No token yet: enter an editor token.";
}

async function loadFeeds(select?: string): Promise<void> {
  const { feeds } = await api<{ feeds: Feed[] }>("GET", "/feeds");
  const wanted = select ?? new URLSearchParams(location.search).get("feed") ?? ui.feed.value;
  ui.feed.replaceChildren(
    ...feeds.map((f) => {
      const o = document.createElement("option");
      o.value = f.id;
      o.textContent = `${f.title} (${f.id})${f.status === "ended" ? " – ended" : ""}`;
      return o;
    }),
  );
  if (feeds.some((f) => f.id === wanted)) ui.feed.value = wanted;
  follow(ui.feed.value);
}

function follow(feedId: string): void {
  if (sub?.feedId === feedId) return;
  sub?.unsubscribe();
  sub = undefined;
  ui.entries.replaceChildren();
  if (feedId === "") return;
  ui.feedLink.href = `/feeds/${encodeURIComponent(feedId)}`;
  ui.feedLink.hidden = false;
  sub = client.subscribe(feedId);
  sub.on("entries", renderEntries);
}

/**
 * An action on one entry. Its accessible name starts with the words on the button, then names
 * the entry ("Unpin “Polls close”"), so voice-control users can say what they see (WCAG 2.5.3).
 */
function button(label: string, entryName: string, onClick: () => void): HTMLButtonElement {
  const b = document.createElement("button");
  b.type = "button";
  b.textContent = label;
  b.setAttribute("aria-label", `${label} “${entryName}”`);
  b.addEventListener("click", onClick);
  return b;
}

function renderEntries(entries: Entry[]): void {
  const feedId = ui.feed.value;
  const path = (e: Entry) => `/feeds/${encodeURIComponent(feedId)}/entries/${encodeURIComponent(e.id)}`;
  const patch = (e: Entry, change: Partial<Pick<Entry, "pinned" | "keyEvent" | "breaking">>, done: string) =>
    void attempt(() => api("PATCH", path(e), change), done);
  ui.entries.replaceChildren(
    ...[...entries]
      .sort((a, b) => Number(b.pinned) - Number(a.pinned))
      .map((e) => {
        const li = document.createElement("li");
        li.dataset.entryId = e.id;
        const name = e.headline ?? e.body.replace(/<[^>]*>/g, "").slice(0, 40);
        const title = document.createElement("strong");
        title.textContent = name;
        const flags = document.createElement("span");
        flags.className = "flags";
        flags.textContent = [e.pinned && "pinned", e.keyEvent && "key event", e.breaking && "breaking"]
          .filter(Boolean)
          .join(" · ");
        const actions = document.createElement("span");
        actions.className = "actions";
        actions.append(
          button("Edit", name, () => startEdit(e)),
          // One entry is pinned at a time: pinning this one unpins the other (the store does it).
          button(e.pinned ? "Unpin" : "Pin", name, () =>
            patch(e, { pinned: !e.pinned }, e.pinned ? "Unpinned." : "Pinned; any other pinned entry is unpinned."),
          ),
          button(e.keyEvent ? "Unmark key" : "Key event", name, () =>
            patch(e, { keyEvent: !e.keyEvent }, "Key event changed."),
          ),
          button(e.breaking ? "Not breaking" : "Breaking", name, () =>
            patch(e, { breaking: !e.breaking }, "Breaking changed."),
          ),
          button("Retract", name, () => {
            if (confirm(`Retract “${name}”? Readers will no longer see it.`))
              void attempt(() => api("DELETE", path(e)), "Retracted.");
          }),
        );
        li.append(title, flags, actions);
        return li;
      }),
  );
}

function startEdit(e: Entry): void {
  editing = e;
  ui.composeTitle.textContent = "Correct an entry";
  ui.headline.value = e.headline ?? "";
  ui.body.value = e.body;
  ui.author.value = e.author?.name ?? "";
  ui.pinned.checked = e.pinned;
  ui.keyEvent.checked = e.keyEvent;
  ui.breaking.checked = e.breaking;
  ui.submit.textContent = "Save correction";
  ui.cancelEdit.hidden = false;
  ui.headline.focus();
}

function resetForm(): void {
  editing = undefined;
  ui.entryForm.reset();
  ui.composeTitle.textContent = "New entry";
  ui.submit.textContent = "Publish";
  ui.cancelEdit.hidden = true;
}

ui.tokenForm.addEventListener("submit", (ev) => {
  ev.preventDefault();
  const t = ui.token.value.trim();
  if (t === "") sessionStorage.removeItem(TOKEN_KEY);
  else sessionStorage.setItem(TOKEN_KEY, t);
  ui.token.value = "";
  showToken();
  say(t === "" ? "Token cleared." : "Token saved for this tab.");
});

ui.feed.addEventListener("change", () => follow(ui.feed.value));

ui.createForm.addEventListener("submit", (ev) => {
  ev.preventDefault();
  const id = ui.newFeedId.value.trim();
  void attempt(async () => {
    await api("POST", "/feeds", { id, title: ui.newFeedTitle.value.trim() });
    ui.createForm.reset();
    await loadFeeds(id);
  }, `Feed “${id}” created.`);
});

ui.entryForm.addEventListener("submit", (ev) => {
  ev.preventDefault();
  const feedId = ui.feed.value;
  if (feedId === "") return say("Pick or create a feed first.", true);
  const headline = ui.headline.value.trim();
  const author = ui.author.value.trim();
  const flags = { pinned: ui.pinned.checked, keyEvent: ui.keyEvent.checked, breaking: ui.breaking.checked };
  const target = editing;
  if (target === undefined) {
    const entry = {
      body: ui.body.value,
      ...(headline === "" ? {} : { headline }),
      ...(author === "" ? {} : { author: { name: author } }),
      ...flags,
    };
    void attempt(async () => {
      await api("POST", `/feeds/${encodeURIComponent(feedId)}/entries`, entry);
      resetForm();
    }, "Published.");
  } else {
    const patch = {
      body: ui.body.value,
      headline: headline === "" ? null : headline,
      author: author === "" ? null : { name: author },
      ...flags,
    };
    void attempt(async () => {
      await api("PATCH", `/feeds/${encodeURIComponent(feedId)}/entries/${encodeURIComponent(target.id)}`, patch);
      resetForm();
    }, "Correction saved.");
  }
});

ui.entryForm.addEventListener("keydown", (ev) => {
  if (ev.key === "Enter" && (ev.ctrlKey || ev.metaKey)) ui.entryForm.requestSubmit();
});
ui.cancelEdit.addEventListener("click", resetForm);

showToken();
void attempt(() => loadFeeds(), "Ready.");
