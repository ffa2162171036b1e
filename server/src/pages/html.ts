import type { Response } from "express";

const HTML_ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/** Escape text for HTML content and double- or single-quoted attribute values. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c);
}

/**
 * JSON safe inside a <script> element: `<`, `>` and `&` become \u escapes, so no value can
 * close the script ("</script>") or open a comment; U+2028/2029 are escaped for old parsers.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, "\\u003c")
    .replace(/>/g, "\\u003e")
    .replace(/&/g, "\\u0026")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}

/** Pages run our own scripts only; entry images may come from any https host. */
const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' https: data:",
  "connect-src 'self' ws: wss:",
  // The players the widget's video cards become on a reader's click (embed-player.ts).
  "frame-src https://www.youtube-nocookie.com https://player.vimeo.com",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "object-src 'none'",
].join("; ");

export function sendPage(res: Response, status: number, html: string, cacheSeconds = 0): void {
  res
    .status(status)
    .set({
      "Content-Type": "text/html; charset=utf-8",
      "Content-Security-Policy": CSP,
      "X-Content-Type-Options": "nosniff",
      "Referrer-Policy": "strict-origin-when-cross-origin",
      "Cache-Control": cacheSeconds > 0 ? `public, max-age=${cacheSeconds}` : "no-cache",
    })
    .send(html);
}

/** The shared frame of the service's pages. */
export function layout(opts: { title: string; head?: string; body: string; lang?: string }): string {
  return `<!doctype html>
<html lang="${escapeHtml(opts.lang ?? "en")}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>${escapeHtml(opts.title)}</title>
${opts.head ?? ""}
<style>${PAGE_CSS}</style>
</head>
<body>
${opts.body}
</body>
</html>
`;
}

/** Light and dark (the reader's prefers-color-scheme), every text colour at AA contrast or better. */
const PAGE_CSS = `
:root{color-scheme:light dark;--bg:#f6f6f8;--paper:#fff;--text:#1d1d1f;--muted:#5f6368;--line:#e3e3e6;--field:#c4c7c5;--accent:#0b57d0;--on-accent:#fff;--ok:#146c2e;--bad:#b3261e;--note:#8a4a00}
@media (prefers-color-scheme:dark){:root{--bg:#0e0f11;--paper:#16171a;--text:#e8eaed;--muted:#a8adb4;--line:#3c4043;--field:#6f7378;--accent:#8ab4f8;--on-accent:#0b1f3f;--ok:#81c995;--bad:#f2b8b5;--note:#fdd663}}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--text);background:var(--bg)}
main{max-width:44rem;margin:0 auto;padding:1.5rem 1rem 4rem;background:var(--paper);min-height:100vh}
a{color:var(--accent)}
h1{font-size:1.75rem;line-height:1.2;margin:.5rem 0}
.kicker{display:inline-block;font-size:.75rem;font-weight:700;text-transform:uppercase;letter-spacing:.06em;color:#fff;background:#c5221f;padding:.1rem .5rem;border-radius:4px}
.kicker.ended{background:#5f6368}
.lede{color:var(--muted);margin:.25rem 0 1rem}
.ssr-entry{padding:1rem 0;border-bottom:1px solid var(--line)}
.ssr-entry h2{font-size:1.125rem;margin:.25rem 0}
.ssr-entry .meta{font-size:.8125rem;color:var(--muted)}
.ssr-entry .avatar{border-radius:50%;vertical-align:middle}
.ssr-entry .correction{font-size:.875rem;padding:.45rem .75rem;border-inline-start:3px solid var(--note);border-radius:4px}
.ssr-entry .correction strong{color:var(--note)}
label{display:block;font-weight:600;margin:.75rem 0 .25rem}
input[type=text],input[type=password],select,textarea{width:100%;box-sizing:border-box;font:inherit;color:inherit;background:var(--paper);padding:.45rem .6rem;border:1px solid var(--field);border-radius:6px}
textarea{min-height:7rem}
fieldset{border:0;padding:0;margin:.75rem 0;display:flex;gap:1rem;flex-wrap:wrap}
fieldset label{display:inline-flex;gap:.35rem;font-weight:400;margin:0}
button{font:inherit;color:var(--text);padding:.4rem .9rem;border-radius:6px;border:1px solid var(--field);background:var(--paper);cursor:pointer}
button.primary{background:var(--accent);border-color:var(--accent);color:var(--on-accent);font-weight:600}
:focus-visible{outline:3px solid var(--accent);outline-offset:2px}
section{margin:1.5rem 0}
.sr-only{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}
#message{min-height:1.5em;font-weight:600;color:var(--ok)}#message.error{color:var(--bad)}
#entries{padding:0;list-style:none}
#entries li{display:flex;flex-wrap:wrap;gap:.25rem .75rem;align-items:center;padding:.6rem 0;border-bottom:1px solid var(--line)}
#entries .flags{color:var(--muted);font-size:.875rem}
#entries .actions{display:flex;gap:.35rem;margin-inline-start:auto;flex-wrap:wrap}
#entries .actions button{padding:.2rem .6rem;font-size:.875rem}
main.console{max-width:72rem}
@media (min-width:860px){main.console{display:grid;grid-template-columns:1fr 1fr;gap:0 2.5rem;align-items:start}main.console h1{grid-column:1/-1}}
h2{font-size:1.125rem;margin:0 0 .5rem}
.row{display:flex;gap:.5rem;align-items:end}.row>*{flex:1}.row>button{flex:0 0 auto}
`;
