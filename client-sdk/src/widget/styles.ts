/**
 * The widget's stylesheet, scoped by its shadow root so nothing leaks in or out. Theme it
 * from the host page with CSS custom properties on the embedding element (they inherit into
 * the shadow tree), e.g. `[data-liveline-feed] { --liveline-accent: #b00020 }`.
 */
export const WIDGET_CSS = `
:host{display:block;contain:content;
--ll-font:var(--liveline-font,system-ui,-apple-system,"Segoe UI",Roboto,sans-serif);
--ll-text:var(--liveline-text,#1d1d1f);--ll-muted:var(--liveline-muted,#5f6368);
--ll-bg:var(--liveline-bg,#fff);--ll-line:var(--liveline-line,#e3e3e6);
--ll-accent:var(--liveline-accent,#0b57d0);--ll-breaking:var(--liveline-breaking,#c5221f);
--ll-key:var(--liveline-key,#b06000);--ll-radius:var(--liveline-radius,10px);
font:16px/1.5 var(--ll-font);color:var(--ll-text)}
*{box-sizing:border-box}
.ll{background:var(--ll-bg);position:relative}
.bar{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:center;padding:.5rem 0;border-bottom:1px solid var(--ll-line);font-size:.875rem}
.status{display:inline-flex;align-items:center;gap:.4rem;color:var(--ll-muted);margin-right:auto}
.status::before{content:"";width:.55rem;height:.55rem;border-radius:50%;background:var(--ll-breaking)}
.status[data-state=reconnecting]::before,.status[data-state=paused]::before{background:var(--ll-muted)}
.status[data-state=ended]::before{background:var(--ll-line)}
button{font:inherit;cursor:pointer;border:1px solid var(--ll-line);background:var(--ll-bg);color:var(--ll-text);border-radius:999px;padding:.3rem .8rem}
button:hover{border-color:var(--ll-accent)}
:focus-visible{outline:3px solid var(--ll-accent);outline-offset:2px}
label{display:inline-flex;align-items:center;gap:.35rem;cursor:pointer}
.pill-holder{position:sticky;top:.75rem;z-index:2;height:0;display:flex;justify-content:center;overflow:visible}
.pill{margin-top:.5rem;background:var(--ll-accent);color:#fff;border-color:var(--ll-accent);font-weight:600;box-shadow:0 2px 8px rgba(0,0,0,.2)}
.pill[hidden],.older[hidden]{display:none}
ol{list-style:none;margin:0;padding:0}
.entry{padding:1rem 0;border-bottom:1px solid var(--ll-line);scroll-margin-top:4rem}
.entry.fresh{animation:ll-in .6s ease-out}
@keyframes ll-in{from{background:color-mix(in srgb,var(--ll-accent) 12%,transparent)}to{background:transparent}}
.entry.pinned{background:color-mix(in srgb,var(--ll-accent) 6%,var(--ll-bg));padding:1rem;border-radius:var(--ll-radius);border:1px solid var(--ll-line);margin:.75rem 0}
.entry.breaking{border-left:4px solid var(--ll-breaking);padding-left:.85rem}
.entry.target{outline:2px solid var(--ll-accent);outline-offset:4px;border-radius:4px}
.meta{display:flex;flex-wrap:wrap;gap:.25rem .6rem;align-items:center;font-size:.8125rem;color:var(--ll-muted)}
.tag{font-size:.7rem;font-weight:700;letter-spacing:.04em;text-transform:uppercase;padding:.05rem .45rem;border-radius:4px;border:1px solid currentColor}
.tag.breaking{color:#fff;background:var(--ll-breaking);border-color:var(--ll-breaking)}
.tag.key{color:var(--ll-key)}.tag.pinned{color:var(--ll-accent)}.tag.updated{border:0;padding:0;text-transform:none;letter-spacing:0;font-weight:400;font-style:italic}
h3{margin:.25rem 0;font-size:1.125rem;line-height:1.3}
.body{overflow-wrap:anywhere}.body p{margin:.4rem 0}.body img{max-width:100%;height:auto}
.body blockquote{margin:.5rem 0;padding-left:.75rem;border-left:3px solid var(--ll-line);color:var(--ll-muted)}
.body a{color:var(--ll-accent)}
.key-only .entry:not(.key):not(.pinned){display:none}
.older{display:block;margin:1rem auto}
.empty{color:var(--ll-muted);padding:1rem 0}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
@media (prefers-reduced-motion:reduce){.entry.fresh{animation:none}}
`;
