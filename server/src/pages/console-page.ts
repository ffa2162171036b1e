import type { RequestHandler } from "express";
import { layout, sendPage } from "./html.js";

/**
 * GET /console — a plain editor page for newsrooms without a CMS. The markup is static; the
 * behaviour is /console.js (client-sdk/src/console), which talks to the public HTTP API.
 */
export function consolePage(): RequestHandler {
  const html = layout({
    title: "Liveline console",
    head: `<meta name="robots" content="noindex"><script defer src="/console.js"></script>`,
    body: `<main class="console">
<h1>Liveline console</h1>
<div class="col">
<section aria-labelledby="auth-title">
<h2 id="auth-title">Editor token</h2>
<form id="token-form" class="row">
<div><label for="token">Editor token (kept in this tab only)</label>
<input id="token" type="password" autocomplete="off" spellcheck="false"></div>
<button type="submit">Use token</button>
</form>
<p id="token-state"></p>
</section>
<section aria-labelledby="feed-title">
<h2 id="feed-title">Feed</h2>
<label for="feed">Live feed</label>
<select id="feed"></select>
<p><a id="feed-link" hidden target="_blank" rel="noopener">Open the reader page</a></p>
<details>
<summary>Create a feed</summary>
<form id="feed-create">
<label for="new-feed-id">Feed id (a-z, 0-9 and -)</label>
<input id="new-feed-id" type="text" required pattern="[a-z0-9][a-z0-9\\-]{0,63}" autocomplete="off">
<label for="new-feed-title">Title</label>
<input id="new-feed-title" type="text" required maxlength="200">
<p><button type="submit">Create feed</button></p>
</form>
</details>
</section>
<section aria-labelledby="compose-title">
<h2 id="compose-title">New entry</h2>
<form id="entry-form">
<label for="headline">Headline (optional)</label>
<input id="headline" type="text" maxlength="300">
<label for="body">Text (simple HTML allowed: p, a, strong, em, lists, quotes, images)</label>
<textarea id="body" required></textarea>
<label for="author">Author (optional)</label>
<input id="author" type="text" maxlength="120">
<fieldset>
<legend class="sr-only">Flags</legend>
<label><input id="pinned" type="checkbox"> Pin on top (replaces the pinned entry)</label>
<label><input id="key-event" type="checkbox"> Key event</label>
<label><input id="breaking" type="checkbox"> Breaking</label>
</fieldset>
<p><button id="submit" type="submit" class="primary">Publish</button>
<button id="cancel-edit" type="button" hidden>Cancel correction</button></p>
</form>
<p id="message" role="status" aria-live="polite"></p>
</section>
</div>
<section class="col" aria-labelledby="entries-title">
<h2 id="entries-title">Entries</h2>
<ol id="entries"></ol>
</section>
</main>`,
  });
  return (_req, res) => sendPage(res, 200, html);
}
