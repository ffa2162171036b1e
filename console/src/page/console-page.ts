import { CONSOLE_CSS } from "./console-styles.js";

/** What the server puts in its page frame (title, head, body) for `GET /console`. */
export interface ConsolePage {
  readonly title: string;
  readonly head: string;
  readonly body: string;
}

/**
 * The editor's desk for newsrooms without a CMS, on a laptop or a phone. The markup is static;
 * the behaviour is /console.js (src/app), which finds its elements by the ids below and talks
 * to the public HTTP API.
 */
export const CONSOLE_PAGE: ConsolePage = {
  title: "Liveline console",
  head: `<meta name="robots" content="noindex"><script defer src="/console.js"></script><style>${CONSOLE_CSS}</style>`,
  body: `<p id="connection" role="status" aria-live="assertive" hidden></p>
<main id="sign-in" class="sign-in" hidden>
<h1 id="sign-in-title">Sign in to the Liveline console</h1>
<form id="reset-form" hidden>
<p>Choose a password for your account: at least 10 characters.</p>
<label for="new-password">New password</label>
<input id="new-password" type="password" autocomplete="new-password" minlength="10" required>
<p class="send"><button type="submit" class="primary">Set password</button></p>
</form>
<div id="sso-box" hidden>
<a id="sso" class="button primary" href="/v1/session/oidc">Sign in with SSO</a>
<p class="or">or with your email and password</p>
</div>
<form id="sign-in-form">
<label for="email">Email</label>
<input id="email" type="email" autocomplete="username" required spellcheck="false">
<label for="password">Password</label>
<input id="password" type="password" autocomplete="current-password" required>
<p class="send"><button type="submit" class="primary">Sign in</button></p>
</form>
<p id="sign-in-message" role="status" aria-live="polite"></p>
<details id="token-box">
<summary>Use an API token</summary>
<p class="hint">For service accounts and scripts: an editor token, kept in this browser tab only.</p>
<form id="token-form" class="row">
<div><label for="token">API token</label>
<input id="token" type="password" autocomplete="off" spellcheck="false"></div>
<button type="submit">Use token</button>
</form>
</details>
</main>
<div id="desk" hidden>
<header class="console-top">
<h1>Liveline console</h1>
<a id="current-feed" href="#feed-title">No feed chosen</a>
<section id="live-now" aria-labelledby="live-now-title">
<h2 id="live-now-title" class="sr-only">Live now</h2>
<p id="readers">Readers now: –</p>
<p id="audience"><svg id="audience-chart" role="img" aria-label="Readers over time" viewBox="0 0 120 32" preserveAspectRatio="none" width="120" height="32"></svg>
<span id="audience-peak"></span></p>
<p class="sr-only" id="colleagues-title">Editors in this feed</p>
<ul id="colleagues" aria-labelledby="colleagues-title"></ul>
</section>
<p id="account" class="account"><img id="who-picture" alt="" width="28" height="28" hidden><span id="who"></span>
<button id="sign-out" type="button">Sign out</button></p>
<ul id="alert-undo" aria-label="Alerts waiting to go out" hidden></ul>
</header>
<main class="console">
<div class="col">
<section aria-labelledby="compose-title" class="compose">
<h2 id="compose-title">New entry</h2>
<form id="entry-form" novalidate>
<label for="headline">Headline (optional)</label>
<input id="headline" type="text" maxlength="300" autocomplete="off">
<p id="body-label" class="label">Text</p>
<div id="toolbar" role="toolbar" aria-label="Formatting" aria-controls="body"></div>
<div id="body" class="editor"></div>
<div class="attach">
<label for="media-file">Images (or drop or paste them into the text)</label>
<input id="media-file" type="file" accept="image/jpeg,image/png,image/webp,image/gif,image/avif" multiple>
<ul id="media-list" class="uploads"></ul>
<label for="embed-url">Embed a video or post (paste its link)</label>
<div class="row"><input id="embed-url" type="url" inputmode="url" placeholder="https://www.youtube.com/watch?v=…" autocomplete="off"><button id="add-embed" type="button">Add embed</button></div>
<ul id="embed-list" class="embeds"></ul>
</div>
<fieldset class="byline">
<legend>Byline (yours unless you change it)</legend>
<label for="author">Author (optional)</label>
<input id="author" type="text" maxlength="120" autocomplete="name">
<label for="author-role">Role (optional)</label>
<input id="author-role" type="text" maxlength="120" autocomplete="organization-title">
<label for="author-picture">Picture: an https link or an uploaded image's /media/ path (optional)</label>
<input id="author-picture" type="text" inputmode="url" maxlength="2048" autocomplete="off" spellcheck="false">
</fieldset>
<fieldset>
<legend class="sr-only">Flags</legend>
<label><input id="pinned" type="checkbox"> Pin on top</label>
<label><input id="key-event" type="checkbox"> Key event</label>
<label><input id="breaking" type="checkbox"> Breaking</label>
</fieldset>
<div id="correction-box" hidden>
<label for="correction">Correction note readers will see (optional)</label>
<input id="correction" type="text" maxlength="1000" autocomplete="off">
</div>
<div class="send">
<button id="submit" type="submit" class="primary" aria-keyshortcuts="Control+Enter">Publish</button>
<button id="save-draft" type="button" aria-keyshortcuts="Control+S">Save draft</button>
<button id="cancel-edit" type="button" hidden>Cancel</button>
</div>
<div id="schedule-box" class="row schedule">
<div><label for="publish-at">Publish later, at</label>
<input id="publish-at" type="datetime-local" step="1"></div>
<button id="schedule" type="button">Schedule</button>
</div>
<p class="hint">Ctrl+Enter (⌘+Enter) publishes, Ctrl+S (⌘+S) saves a draft.</p>
</form>
<p id="message" role="status" aria-live="polite"></p>
</section>
<section aria-labelledby="preview-title">
<h2 id="preview-title">Preview, as readers will see it</h2>
<div id="preview"></div>
</section>
</div>
<div class="col">
<section aria-labelledby="feed-title">
<h2 id="feed-title">Feed</h2>
<label for="feed">Live feed</label>
<select id="feed"></select>
<p><a id="feed-link" hidden target="_blank" rel="noopener">Open the reader page</a></p>
<p id="alerts" role="status"></p>
<p id="failed" class="error" role="status"></p>
<details>
<summary>Title, description, end coverage</summary>
<form id="feed-settings">
<label for="feed-title-input">Title</label>
<input id="feed-title-input" type="text" required maxlength="200">
<label for="feed-description-input">Description</label>
<textarea id="feed-description-input" maxlength="2000"></textarea>
<p><button type="submit">Save title and description</button>
<button id="end-coverage" type="button">End coverage</button></p>
</form>
</details>
<details id="create-box">
<summary>Create a feed</summary>
<form id="feed-create">
<label for="new-feed-title">Title</label>
<input id="new-feed-title" type="text" required maxlength="200">
<label for="new-feed-id">Feed id, made from the title (a-z, 0-9 and -)</label>
<input id="new-feed-id" type="text" required pattern="[a-z0-9][a-z0-9\\-]{0,63}" autocomplete="off">
<p><button type="submit">Create feed</button></p>
</form>
</details>
</section>
<section aria-labelledby="entries-title">
<h2 id="entries-title">Timeline</h2>
<div class="row timeline-tools"><div><label for="entry-search">Search the timeline</label>
<input id="entry-search" type="search" autocomplete="off"></div>
<label class="inline"><input id="key-only" type="checkbox"> Key events only</label></div>
<p id="found" class="hint" role="status"></p>
<ol id="entries"></ol>
<p><button id="older" type="button" hidden>Load older entries</button></p>
</section>
</div>
</main>
</div>
<dialog id="retract" aria-labelledby="retract-title">
<form method="dialog">
<h2 id="retract-title">Retract</h2>
<p id="retract-what"></p>
<div id="retract-reason-box"><label for="retract-reason">Reason, kept in its history (optional; readers never see it)</label>
<input id="retract-reason" type="text" maxlength="500" autocomplete="off"></div>
<p class="send"><button id="retract-confirm" value="confirm" class="primary danger">Retract</button>
<button value="cancel" formnovalidate>Cancel</button></p>
</form>
</dialog>
<dialog id="alert-confirm" aria-labelledby="alert-confirm-title" aria-describedby="alert-confirm-reach">
<form method="dialog">
<h2 id="alert-confirm-title">Send a breaking-news alert?</h2>
<p class="hint">Readers who opted in get this on their phones and browsers:</p>
<div class="alert-preview">
<p id="alert-confirm-feed" class="alert-feed"></p>
<p id="alert-confirm-text" class="alert-text"></p>
</div>
<p id="alert-confirm-reach"></p>
<p id="alert-confirm-when" class="hint"></p>
<p class="send"><button id="alert-confirm-send" value="confirm" class="primary danger">Send alert</button>
<button value="cancel" formnovalidate>Cancel</button></p>
</form>
</dialog>
<dialog id="history" aria-labelledby="history-title">
<h2 id="history-title">History</h2>
<ol id="history-list"></ol>
<form method="dialog" class="send"><button value="close" class="primary">Close</button></form>
</dialog>
<dialog id="conflict" aria-labelledby="conflict-title" aria-describedby="conflict-lead">
<h2 id="conflict-title">A colleague saved this entry while you were editing it</h2>
<p id="conflict-lead">Compare the two versions, then take theirs, keep yours, or use the merge of both.</p>
<div class="versions">
<section aria-labelledby="conflict-theirs-title"><h3 id="conflict-theirs-title">Theirs</h3><div id="conflict-theirs" class="version"></div></section>
<section aria-labelledby="conflict-mine-title"><h3 id="conflict-mine-title">Yours</h3><div id="conflict-mine" class="version"></div></section>
<section aria-labelledby="conflict-merged-title"><h3 id="conflict-merged-title">Merged</h3><div id="conflict-merged" class="version"></div><p id="conflict-note" class="hint"></p></section>
</div>
<form method="dialog" class="send">
<button value="merge" class="primary">Use the merge</button>
<button value="mine">Keep mine</button>
<button value="theirs">Take theirs</button>
<button value="later">Decide later</button>
</form>
</dialog>`,
};
