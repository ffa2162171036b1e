/**
 * The widget's stylesheet, scoped by its shadow root so nothing leaks in or out. Theme it
 * from the host page with CSS custom properties on the embedding element (they inherit into
 * the shadow tree), e.g. `[data-liveline-feed] { --liveline-accent: #b00020 }`.
 *
 * Dark follows the reader's `prefers-color-scheme` unless the host element says
 * `data-theme="light"` or `data-theme="dark"` (`theme` on `<liveline-feed>`). Every pair of colours meets WCAG AA (4.5:1),
 * tags on the pinned entry's tinted background included. Sides are logical (inline-start,
 * inline-end), so right-to-left languages mirror the layout.
 */
const DARK =
  "color-scheme:dark;--ll-text:var(--liveline-text,#e8eaed);--ll-muted:var(--liveline-muted,#a8adb4);" +
  "--ll-bg:var(--liveline-bg,#16171a);--ll-line:var(--liveline-line,#3c4043);" +
  "--ll-accent:var(--liveline-accent,#8ab4f8);--ll-on-accent:var(--liveline-on-accent,#0b1f3f);" +
  "--ll-breaking:var(--liveline-breaking,#f28b82);--ll-on-breaking:var(--liveline-on-breaking,#1d1d1f);" +
  "--ll-key:var(--liveline-key,#fdd663)";

export const WIDGET_CSS = `
:host{display:block;contain:content;color-scheme:light;
--ll-font:var(--liveline-font,system-ui,-apple-system,"Segoe UI",Roboto,sans-serif);
--ll-text:var(--liveline-text,#1d1d1f);--ll-muted:var(--liveline-muted,#5f6368);
--ll-bg:var(--liveline-bg,#fff);--ll-line:var(--liveline-line,#e3e3e6);
--ll-accent:var(--liveline-accent,#0b57d0);--ll-on-accent:var(--liveline-on-accent,#fff);
--ll-breaking:var(--liveline-breaking,#c5221f);--ll-on-breaking:var(--liveline-on-breaking,#fff);
--ll-key:var(--liveline-key,#8a4a00);--ll-radius:var(--liveline-radius,10px);
font:16px/1.5 var(--ll-font);color:var(--ll-text)}
@media (prefers-color-scheme:dark){:host(:not([data-theme=light]):not([theme=light])){${DARK}}}
:host([data-theme=dark]),:host([theme=dark]){${DARK}}
*{box-sizing:border-box}
.ll{background:var(--ll-bg);color:var(--ll-text);position:relative}
.bar{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:center;padding:.5rem 0;border-bottom:1px solid var(--ll-line);font-size:.875rem}
.status{display:inline-flex;align-items:center;gap:.4rem;color:var(--ll-muted);margin-inline-end:auto}
.status::before{content:"";width:.55rem;height:.55rem;border-radius:50%;background:var(--ll-breaking)}
.status[data-state=reconnecting]::before,.status[data-state=paused]::before{background:var(--ll-muted)}
.status[data-state=ended]::before{background:var(--ll-line)}
button{font:inherit;cursor:pointer;border:1px solid var(--ll-line);background:var(--ll-bg);color:var(--ll-text);border-radius:999px;padding:.3rem .8rem}
button:hover{border-color:var(--ll-accent)}
:focus-visible{outline:3px solid var(--ll-accent);outline-offset:2px}
label{display:inline-flex;align-items:center;gap:.35rem;cursor:pointer}
input{accent-color:var(--ll-accent)}
.pill-holder{position:sticky;top:.75rem;z-index:2;height:0;display:flex;align-items:flex-start;justify-content:center;overflow:visible}
.pill{flex:none;margin-top:.5rem;line-height:1.5;padding:.4rem 1rem;background:var(--ll-accent);color:var(--ll-on-accent);border-color:var(--ll-accent);font-weight:600;box-shadow:0 2px 8px rgba(0,0,0,.3);white-space:nowrap}
.pill:hover{border-color:var(--ll-text)}
.pill[hidden],.older[hidden],.key-events[hidden]{display:none}
ol{list-style:none;margin:0;padding:0}
.entry{padding:1rem 0;border-bottom:1px solid var(--ll-line);scroll-margin-top:4rem}
.entry.fresh{animation:ll-in .6s ease-out}
@keyframes ll-in{from{background:color-mix(in srgb,var(--ll-accent) 12%,transparent)}to{background:transparent}}
.entry.pinned{background:color-mix(in srgb,var(--ll-accent) 6%,var(--ll-bg));padding:1rem;border-radius:var(--ll-radius);border:1px solid var(--ll-line);margin:.75rem 0}
.entry.breaking{border-inline-start:4px solid var(--ll-breaking);padding-inline-start:.85rem}
.entry.target{outline:2px solid var(--ll-accent);outline-offset:4px;border-radius:4px}
.meta{display:flex;flex-wrap:wrap;gap:.25rem .6rem;align-items:center;font-size:.8125rem;color:var(--ll-muted)}
.clock{font-weight:700;color:var(--ll-text);font-variant-numeric:tabular-nums}
.ago::before{content:"· "}
.byline{display:inline-flex;align-items:center;gap:.35rem}
.avatar{width:24px;height:24px;border-radius:50%;object-fit:cover;flex:none;background:var(--ll-line)}
.author{color:var(--ll-text);font-weight:600}.role::before{content:"· "}
.meta .share{margin-inline-start:auto;font-size:.8125rem;padding:.15rem .7rem}
.key-events{margin:.75rem 0 .25rem;padding:.25rem .85rem;border:1px solid var(--ll-line);border-radius:var(--ll-radius)}
.key-events summary{cursor:pointer;font-weight:700;padding:.4rem 0}
.key-events .count{color:var(--ll-muted);font-weight:400}
.key-events ol{margin:0 0 .4rem}
.key-events li{border-top:1px solid var(--ll-line)}
.key-events a{display:flex;gap:.75rem;padding:.45rem 0;color:var(--ll-text);text-decoration:none}
.key-events a:hover span{text-decoration:underline}.key-events time{flex:none;white-space:nowrap}
.toast-holder{position:sticky;bottom:1rem;z-index:2;height:0;display:flex;align-items:flex-end;justify-content:center}
.toast{padding:.4rem 1rem;border-radius:999px;background:var(--ll-text);color:var(--ll-bg);font-weight:600;box-shadow:0 2px 8px rgba(0,0,0,.3)}
.toast:empty{display:none}
.tag{font-size:.75rem;font-weight:700;padding:.05rem .45rem;border-radius:4px;border:1px solid currentColor}
.tag.breaking{color:var(--ll-on-breaking);background:var(--ll-breaking);border-color:var(--ll-breaking)}
.tag.key{color:var(--ll-key)}.tag.pinned{color:var(--ll-accent)}
.updated{margin:.25rem 0 0;font-size:.8125rem;font-style:italic;color:var(--ll-muted)}
.headline{margin:.25rem 0;font-size:1.125rem;line-height:1.3}
.body{overflow-wrap:anywhere}.body p{margin:.4rem 0}.body img{max-width:100%;height:auto}
.body blockquote{margin:.5rem 0;padding-inline-start:.75rem;border-inline-start:3px solid var(--ll-line);color:var(--ll-muted)}
.body a{color:var(--ll-accent)}
figure,.embed{margin:.6rem 0}
figcaption,.correction{font-size:.875rem;color:var(--ll-muted)}
.correction{margin:.6rem 0 0;padding:.45rem .75rem;border-inline-start:3px solid var(--ll-key)}.correction strong{color:var(--ll-key)}.note{display:block;color:var(--ll-text)}
.embed{display:block;padding:.6rem .8rem;border:1px solid var(--ll-line);border-radius:var(--ll-radius)}
.embed b{display:block;font-size:.75rem;text-transform:uppercase}
.video{aspect-ratio:16/9;display:grid;place-content:center;text-align:center;text-decoration:none}.video:before{content:"►"/"";font-size:2.5rem}
.card{display:flex;gap:.75rem;text-decoration:none}.title{color:var(--ll-text);font-weight:600}.by{color:var(--ll-muted)}
.card img{flex:none;width:6rem;height:6rem;object-fit:cover;border-radius:6px}
.clip{display:block;position:relative;padding:0}.clip img{display:block;width:100%;height:auto;aspect-ratio:16/9;border-radius:0}.clip>div{padding:.5rem .8rem}
.clip:before{content:"►"/"";position:absolute;width:100%;aspect-ratio:16/9;display:grid;place-content:center;color:#fff;font-size:2.5rem}
.key-only .entry:not(.key):not(.pinned){display:none}
.older{display:block;margin:1rem auto}
.empty{color:var(--ll-muted);padding:1rem 0}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
@media (prefers-reduced-motion:reduce){.entry.fresh{animation:none}}
`;
