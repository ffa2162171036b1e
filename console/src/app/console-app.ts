/**
 * The editor console's script (served as /console.js for the page at /console). It uses the
 * public HTTP API like any CMS would, and the SDK to show the feed's entries live. Sign-in comes
 * first (sign-in.ts): a person's session cookie, or an API token kept in sessionStorage only.
 */
import type { AlertReach, Entry, Feed, Session, UpdateEntryRequest } from "@liveline/protocol";
import { LivelineClient, type Subscription } from "@liveline/client-sdk";
import { confirmAlert } from "./alert-confirm.js";
import { describeAlerts } from "./alert-status.js";
import { AlertUndo } from "./alert-undo.js";
import { Attachments } from "./attachments.js";
import { api, credentials, describeError } from "./console-api.js";
import { Byline } from "./byline.js";
import { Composer } from "./composer.js";
import { Connection } from "./connection.js";
import { EntryForm } from "./entry-form.js";
import { showHistory } from "./history-dialog.js";
import { slugOf } from "./feed-slug.js";
import { LiveBar } from "./live-bar.js";
import { AudienceChart } from "./audience-chart.js";
import { Preview } from "./preview.js";
import { SignIn } from "./sign-in.js";
import { entryName, Timeline } from "./timeline.js";

function el<T extends HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (found === null) throw new Error(`console: #${id} missing`);
  return found as T;
}

function svg(id: string): SVGSVGElement {
  const found = document.getElementById(id);
  if (!(found instanceof SVGSVGElement)) throw new Error(`console: svg#${id} missing`);
  return found;
}

const ui = {
  feed: el<HTMLSelectElement>("feed"),
  currentFeed: el<HTMLAnchorElement>("current-feed"),
  createForm: el<HTMLFormElement>("feed-create"),
  createBox: el<HTMLDetailsElement>("create-box"),
  newFeedId: el<HTMLInputElement>("new-feed-id"),
  newFeedTitle: el<HTMLInputElement>("new-feed-title"),
  settingsForm: el<HTMLFormElement>("feed-settings"),
  feedTitle: el<HTMLInputElement>("feed-title-input"),
  feedDescription: el<HTMLTextAreaElement>("feed-description-input"),
  endCoverage: el<HTMLButtonElement>("end-coverage"),
  message: el<HTMLElement>("message"),
  feedLink: el<HTMLAnchorElement>("feed-link"),
  alerts: el<HTMLElement>("alerts"),
  failed: el<HTMLElement>("failed"),
  mediaFile: el<HTMLInputElement>("media-file"),
  embedUrl: el<HTMLInputElement>("embed-url"),
  addEmbed: el<HTMLButtonElement>("add-embed"),
};

const client = new LivelineClient({ url: location.origin });
new Connection({ banner: el("connection"), client, onBack: () => say("Back online.") });
let sub: Subscription | undefined;
let feeds: Feed[] = [];

function say(text: string, isError = false): void {
  ui.message.textContent = text;
  ui.message.classList.toggle("error", isError);
}

async function attempt(what: () => Promise<unknown>, done: string): Promise<void> {
  try {
    await what();
    say(done);
  } catch (err) {
    say(describeError(err), true);
  }
}

const preview = new Preview(el("preview"));
let previewTimer: ReturnType<typeof setTimeout> | undefined;
function refreshPreview(): void {
  form.autosave.changed();
  clearTimeout(previewTimer);
  previewTimer = setTimeout(() => preview.show(form.draftEntry()), 120);
}

const attachments = new Attachments({
  mediaList: el("media-list"),
  embedList: el("embed-list"),
  onChange: refreshPreview,
  say,
});
const composer = new Composer({
  element: el("body"),
  toolbar: el("toolbar"),
  labelledBy: "body-label",
  onChange: refreshPreview,
  onFiles: (files) => attachments.add(files),
  onPasteNotice: (text) => say(text),
  onPastedUrl: (url) => {
    attachments.addEmbed(url);
    say(`Embed added: ${url}`);
    return true;
  },
});

const timeline = new Timeline({
  list: el("entries"),
  older: el("older"),
  keyOnly: el("key-only"),
  search: el("entry-search"),
  found: el("found"),
  hidden: () => form.autosave.draftId,
  loadDrafts: async () =>
    (await api.request("GET /v1/feeds/:feedId/drafts", { params: { feedId: ui.feed.value } })).data,
  loadPage: async (before) =>
    (
      await api.request("GET /v1/feeds/:feedId/entries", {
        params: { feedId: ui.feed.value },
        query: { limit: 50, before },
      })
    ).data,
  actions: {
    edit: (e) => void form.edit(e),
    toggle: (e, flag) => {
      const change: UpdateEntryRequest = {};
      change[flag] = !e[flag];
      const send = () =>
        api.request("PATCH /v1/feeds/:feedId/entries/:entryId", {
          params: { feedId: ui.feed.value, entryId: e.id },
          body: change,
        });
      const done = `${flagName[flag]} ${e[flag] ? "off" : "on"} for “${entryName(e)}”.`;
      if (flag === "breaking" && !e.breaking) void withAlert(e, send, done);
      else void attempt(send, done);
    },
    publishNow: (e) => {
      const send = () =>
        api.request("POST /v1/feeds/:feedId/entries/:entryId/publish", {
          params: { feedId: ui.feed.value, entryId: e.id },
        });
      const done = `Publishing “${entryName(e)}”.`;
      if (e.breaking) void withAlert(e, send, done);
      else void attempt(send, done);
    },
    history: (e) =>
      void api
        .request("GET /v1/feeds/:feedId/entries/:entryId/revisions", {
          params: { feedId: ui.feed.value, entryId: e.id },
        })
        .then(
          ({ data }) =>
            showHistory(
              { dialog: el("history"), title: el("history-title"), list: el("history-list") },
              entryName(e),
              data.revisions,
            ),
          (err: unknown) => say(describeError(err), true),
        ),
    retract: (e) => {
      const draft = e.status === "draft" || e.status === "scheduled";
      void askRetract(e, draft).then((answer) => {
        if (answer === null) return;
        void attempt(
          async () => {
            await api.request("DELETE /v1/feeds/:feedId/entries/:entryId", {
              params: { feedId: ui.feed.value, entryId: e.id },
              ...(answer === "" ? {} : { body: { reason: answer } }),
            });
            if (draft) await timeline.refreshDrafts();
          },
          draft ? "Draft deleted." : "Retracted.",
        );
      });
    },
  },
});

/**
 * Retracting asks in a dialog of the page's own (a draft is only confirmed): what goes, and
 * why (kept on the entry's revision for the desk, never shown to readers). Null: not retracted.
 */
function askRetract(e: Entry, draft: boolean): Promise<string | null> {
  const dialog = el<HTMLDialogElement>("retract");
  const reason = el<HTMLInputElement>("retract-reason");
  el("retract-title").textContent = draft ? "Delete the draft?" : "Retract this entry?";
  el("retract-what").textContent = draft
    ? `“${entryName(e)}” will be deleted. Readers never saw it.`
    : `“${entryName(e)}” will disappear from every reader's page.`;
  el("retract-confirm").textContent = draft ? "Delete draft" : "Retract";
  el("retract-reason-box").hidden = draft;
  reason.value = "";
  dialog.returnValue = "";
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => resolve(dialog.returnValue === "confirm" ? reason.value.trim() : null), {
      once: true,
    });
    dialog.showModal();
    if (!draft) reason.focus();
  });
}
const alertUndo = new AlertUndo({ list: el("alert-undo"), say });

/** The confirmation before an entry goes out breaking: its alert, and who it reaches. */
function askAlert(entry: { headline?: string | undefined; body: string }): Promise<AlertReach | null> {
  const feedId = ui.feed.value;
  const title = feeds.find((f) => f.id === feedId)?.title ?? feedId;
  const dialog = {
    dialog: el<HTMLDialogElement>("alert-confirm"),
    title: el("alert-confirm-feed"),
    text: el("alert-confirm-text"),
    reach: el("alert-confirm-reach"),
    when: el("alert-confirm-when"),
    confirm: el<HTMLButtonElement>("alert-confirm-send"),
  };
  return confirmAlert(
    dialog,
    title,
    entry,
    async () => (await api.request("GET /v1/feeds/:feedId/alerts/reach", { params: { feedId } })).data,
  );
}

/** Marks `e` breaking (or publishes a breaking draft) once the alert is confirmed, offering its undo. */
async function withAlert(e: Entry, send: () => Promise<unknown>, done: string): Promise<void> {
  const reach = await askAlert(e);
  if (reach === null) return say("Nothing sent: the alert was not confirmed.");
  await attempt(async () => {
    await send();
    alertUndo.waiting(ui.feed.value, e.id, entryName(e), reach.undoSeconds);
  }, done);
}

const flagName = { pinned: "Pinned", keyEvent: "Key event", breaking: "Breaking" } as const;

const liveBar = new LiveBar({
  readers: el("readers"),
  colleagues: el("colleagues"),
  nameOf: (id) => {
    const e = timeline.get(id);
    return e === undefined ? undefined : entryName(e);
  },
});

const audienceChart = new AudienceChart({ peak: el("audience-peak"), chart: svg("audience-chart") });

const byline = new Byline({ name: el("author"), role: el("author-role"), picture: el("author-picture") });

const form = new EntryForm({
  ui: {
    form: el("entry-form"),
    title: el("compose-title"),
    headline: el("headline"),
    pinned: el("pinned"),
    keyEvent: el("key-event"),
    breaking: el("breaking"),
    submit: el("submit"),
    cancel: el("cancel-edit"),
    publishAt: el("publish-at"),
    correction: el("correction"),
    correctionBox: el("correction-box"),
    senders: { publish: el("submit"), draft: el("save-draft"), schedule: el("schedule") },
    draftOnly: [el("save-draft"), el("schedule-box")],
    conflict: {
      dialog: el("conflict"),
      theirsTitle: el("conflict-theirs-title"),
      theirs: el("conflict-theirs"),
      mine: el("conflict-mine"),
      merged: el("conflict-merged"),
      note: el("conflict-note"),
    },
  },
  byline,
  composer,
  attachments,
  feedId: () => ui.feed.value,
  say,
  onEditing: (id) => {
    liveBar.setEditing(id);
    refreshPreview();
  },
  onSent: () => void timeline.refreshDrafts(),
  confirmAlert: (entry) => askAlert(entry),
  onAlert: (entryId, name, undoSeconds) => alertUndo.waiting(ui.feed.value, entryId, name, undoSeconds),
});

async function loadFeeds(select?: string): Promise<void> {
  ({ feeds } = (await api.request("GET /v1/feeds")).data);
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

function showFeed(feed: Feed | undefined): void {
  // On a phone the feed picker is far below the composer: the top bar says where entries go.
  ui.currentFeed.textContent = feed === undefined ? "No feed chosen" : `Feed: ${feed.title}`;
  ui.feedTitle.value = feed?.title ?? "";
  ui.feedDescription.value = feed?.description ?? "";
  ui.endCoverage.textContent = feed?.status === "ended" ? "Reopen coverage" : "End coverage";
}

function follow(feedId: string): void {
  if (sub?.feedId === feedId) return;
  sub?.unsubscribe();
  sub = undefined;
  timeline.reset();
  showFeed(feeds.find((f) => f.id === feedId));
  if (feedId === "") return;
  ui.feedLink.href = `/feeds/${encodeURIComponent(feedId)}`;
  ui.feedLink.hidden = false;
  sub = client.subscribe(feedId);
  sub.on("entries", (entries) => timeline.seed(entries));
  sub.on("event", (event) => timeline.apply(event));
  sub.on("entries", () => refreshSoon(feedId));
  sub.on("feed", (feed) => {
    feeds = feeds.map((f) => (f.id === feed.id ? feed : f));
    showFeed(feed);
  });
  liveBar.follow(feedId);
  audienceChart.follow(feedId);
  void refreshStatus(feedId);
  bringBack(feedId);
}

let broughtBack = false;

/** What was being written for this feed when the tab was reloaded or crashed comes back. */
function bringBack(feedId: string): void {
  const saved = composer.html() === "" && form.editingId === null ? form.autosave.load(feedId) : undefined;
  if (saved !== undefined) {
    form.restore(saved);
    const at = new Date(saved.savedAt).toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit" });
    broughtBack = true;
    say(`Brought back the ${saved.editing === undefined ? "entry" : "correction"} you were writing (kept at ${at}).`);
  }
  form.autosave.pause(false);
}

let statusTimer: ReturnType<typeof setTimeout> | undefined;

/** Alerts and failed changes are decided just after a change is applied: look again a moment later. */
function refreshSoon(feedId: string): void {
  clearTimeout(statusTimer);
  statusTimer = setTimeout(() => void refreshStatus(feedId), 1500);
}

async function refreshStatus(feedId: string): Promise<void> {
  try {
    const [{ data: alerts }, { data: failed }] = await Promise.all([
      api.request("GET /v1/feeds/:feedId/alerts", { params: { feedId } }),
      api.request("GET /v1/feeds/:feedId/failed", { params: { feedId } }),
    ]);
    if (ui.feed.value !== feedId) return;
    ui.alerts.textContent = describeAlerts(alerts);
    ui.failed.textContent =
      failed.count === 0
        ? ""
        : `${failed.count} accepted change(s) could not be applied: ${failed.changes
            .map((c) => `${c.op}${c.entryId === undefined ? "" : ` ${c.entryId}`} (${c.error})`)
            .join("; ")}`;
  } catch {
    ui.alerts.textContent = ""; // no token for this feed yet
  }
}

ui.feed.addEventListener("change", () => follow(ui.feed.value));

// The id follows the title until the editor types one of their own.
let idTyped = false;
ui.newFeedId.addEventListener("input", () => (idTyped = ui.newFeedId.value !== ""));
ui.newFeedTitle.addEventListener("input", () => {
  if (!idTyped) ui.newFeedId.value = slugOf(ui.newFeedTitle.value);
});

ui.createForm.addEventListener("submit", (ev) => {
  ev.preventDefault();
  const id = ui.newFeedId.value.trim();
  void attempt(async () => {
    await api.request("POST /v1/feeds", { body: { id, title: ui.newFeedTitle.value.trim() } });
    ui.createForm.reset();
    idTyped = false;
    ui.createBox.open = false; // done: out of the way of the timeline
    await loadFeeds(id);
  }, `Feed “${id}” created.`);
});

ui.settingsForm.addEventListener("submit", (ev) => {
  ev.preventDefault();
  const change = { title: ui.feedTitle.value.trim(), description: ui.feedDescription.value.trim() };
  void attempt(async () => {
    await api.request("PATCH /v1/feeds/:feedId", { params: { feedId: ui.feed.value }, body: change });
    await loadFeeds(ui.feed.value);
  }, "Title and description saved.");
});

ui.endCoverage.addEventListener("click", () => {
  const feed = feeds.find((f) => f.id === ui.feed.value);
  if (feed === undefined) return;
  const ending = feed.status !== "ended";
  if (ending && !confirm(`End coverage of “${feed.title}”? Readers will see it as ended.`)) return;
  void attempt(
    async () => {
      await api.request("PATCH /v1/feeds/:feedId", {
        params: { feedId: feed.id },
        body: { status: ending ? "ended" : "live" },
      });
      await loadFeeds(feed.id);
    },
    ending ? "Coverage ended." : "Coverage reopened.",
  );
});

ui.mediaFile.addEventListener("change", () => {
  attachments.add([...(ui.mediaFile.files ?? [])]);
  ui.mediaFile.value = "";
});

function addEmbed(): void {
  const url = ui.embedUrl.value.trim();
  if (!/^https:\/\/\S+$/.test(url)) return say("An embed is an https:// link (a video, a post).", true);
  attachments.addEmbed(url);
  ui.embedUrl.value = "";
  say(`Embed added: ${url}`);
}
ui.addEmbed.addEventListener("click", addEmbed);
ui.embedUrl.addEventListener("keydown", (ev) => {
  if (ev.key === "Enter") {
    ev.preventDefault();
    addEmbed();
  }
});
el("save-draft").addEventListener("click", () => void form.send("draft"));
el("schedule").addEventListener("click", () => void form.send("schedule"));
el("entry-form").addEventListener("input", refreshPreview);
el("entry-form").addEventListener("change", refreshPreview);

// Shortcuts anywhere on the page: Ctrl/Cmd+Enter publishes, Ctrl/Cmd+S saves a draft (not the
// page, as the browser would). Capture phase, so the editor
// (where Mod-Enter would insert a line break) never sees the keystroke.
document.addEventListener(
  "keydown",
  (ev) => {
    if (!(ev.ctrlKey || ev.metaKey) || ev.altKey || ev.shiftKey) return;
    if (ev.key === "Enter" || ev.key.toLowerCase() === "s") {
      ev.preventDefault();
      ev.stopPropagation();
      void form.send(ev.key === "Enter" ? "publish" : "draft");
    }
  },
  { capture: true },
);

/**
 * Who the console writes as, told by the sign-in each time it learns it: a signed-in person's
 * byline is the default of new entries; a token speaks for a service account, with no byline.
 */
function signedInAs(session: Session | undefined): void {
  credentials.person = session?.kind === "user";
  byline.setDefault(session?.kind === "user" ? session.byline : undefined, form.editingId === null);
  refreshPreview();
  void liveBar.beat();
  void audienceChart.refresh();
}

refreshPreview();
const signIn = new SignIn(
  {
    screen: el("sign-in"),
    title: el("sign-in-title"),
    resetForm: el("reset-form"),
    newPassword: el("new-password"),
    desk: el("desk"),
    ssoBox: el("sso-box"),
    sso: el("sso"),
    form: el("sign-in-form"),
    email: el("email"),
    password: el("password"),
    message: el("sign-in-message"),
    tokenForm: el("token-form"),
    token: el("token"),
    who: el("who"),
    picture: el("who-picture"),
    signOut: el("sign-out"),
  },
  signedInAs,
  () =>
    void loadFeeds().then(
      () => broughtBack || say("Ready."),
      (err: unknown) => say(describeError(err), true),
    ),
);
void signIn.begin();
