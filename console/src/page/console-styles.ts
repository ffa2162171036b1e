/**
 * The console's own rules, on top of the pages' shared stylesheet (html.ts) and its colour
 * variables (light and dark, AA contrast). Phone first: one column, thumb-sized targets; two
 * columns from 860 px.
 */
export const CONSOLE_CSS = `
.console-top{position:sticky;top:0;z-index:2;display:flex;flex-wrap:wrap;gap:.25rem 1.5rem;align-items:center;padding:.5rem 1rem;background:var(--paper);border-bottom:1px solid var(--line)}
.console-top h1{font-size:1.25rem;margin:0}
#current-feed{font-weight:600;overflow-wrap:anywhere}
#live-now{display:flex;flex-wrap:wrap;gap:.25rem 1rem;align-items:center;margin:0}
#readers{margin:0;font-weight:700}
#audience{display:flex;align-items:center;gap:.5rem;margin:0;font-size:.875rem;color:var(--muted)}
#audience-chart{flex:none;width:7.5rem;height:2rem;border-bottom:1px solid var(--line);overflow:visible}
#audience-chart .area{fill:var(--accent);fill-opacity:.18;stroke:none}
#audience-chart .line{fill:none;stroke:var(--accent);stroke-width:1.5;vector-effect:non-scaling-stroke;stroke-linejoin:round}
#colleagues{display:flex;flex-wrap:wrap;gap:.35rem;margin:0;padding:0;list-style:none}
#colleagues li{font-size:.875rem;padding:.1rem .6rem;border:1px solid var(--line);border-radius:999px}
main.console{padding-top:.5rem}
.label{display:block;font-weight:600;margin:.75rem 0 .25rem}
#toolbar{display:flex;flex-wrap:wrap;gap:.25rem;margin-bottom:.25rem}
#toolbar button{min-width:2.75rem;min-height:2.75rem;padding:.2rem .5rem}
#toolbar button[aria-pressed=true]{background:var(--accent);border-color:var(--accent);color:var(--on-accent)}
.editor .ProseMirror{min-height:9rem;padding:.5rem .75rem;border:1px solid var(--field);border-radius:6px;background:var(--paper);overflow-wrap:anywhere}
.editor .ProseMirror:focus-visible{outline:3px solid var(--accent);outline-offset:2px}
.editor .ProseMirror p{margin:.4rem 0}
.editor .ProseMirror h2{font-size:1.2rem;margin:.6rem 0 .3rem}.editor .ProseMirror h3{font-size:1.05rem;margin:.5rem 0 .25rem}
.editor .ProseMirror blockquote{margin:.5rem 0;padding-inline-start:.75rem;border-inline-start:3px solid var(--line)}
.editor.dragging .ProseMirror{outline:3px dashed var(--accent)}
.uploads,.embeds{list-style:none;padding:0;margin:.25rem 0}
.uploads li,.embeds li{display:flex;flex-wrap:wrap;gap:.5rem;align-items:center;padding:.5rem 0;border-bottom:1px solid var(--line)}
.uploads progress{flex:1;min-width:8rem}
.uploads img{border-radius:4px;object-fit:cover}
.upload-fields{flex-basis:100%}
.upload-fields label{margin:.4rem 0 .15rem;font-weight:500}
.embed-url,.file-name{flex:1;overflow-wrap:anywhere}
input[type=url],input[type=datetime-local]{width:100%;box-sizing:border-box;font:inherit;color:inherit;background:var(--paper);padding:.45rem .6rem;border:1px solid var(--field);border-radius:6px}
main.console .row{flex-wrap:wrap}main.console .row>div{min-width:min(100%,14rem)}
input[type=datetime-local]{min-width:0;max-width:100%}
.send{display:flex;flex-wrap:wrap;gap:.5rem;margin-top:.75rem}
.send button{min-height:2.75rem}
button:disabled{opacity:.6;cursor:progress}
.hint{color:var(--muted);font-size:.875rem;margin:.25rem 0}
.error{color:var(--bad)}
#preview{border:1px solid var(--line);border-radius:8px;padding:0 .75rem;min-height:3rem}
label.inline{display:inline-flex;gap:.35rem;font-weight:400}
#entries li{display:block}
#entries li.with-thumb{display:grid;grid-template-columns:64px 1fr;column-gap:.75rem}
#entries li.with-thumb>*:not(.thumb){grid-column:2}
#entries .thumb{grid-row:1 / span 4;border-radius:4px;object-fit:cover}
#entries .entry-text{margin:0 0 .35rem;color:var(--muted);font-size:.9rem;overflow-wrap:anywhere}
#entries .entry-text:empty{display:none}
.timeline-tools{align-items:end;gap:.5rem 1rem}
input[type=search]{width:100%;box-sizing:border-box;font:inherit;color:inherit;background:var(--paper);padding:.45rem .6rem;border:1px solid var(--field);border-radius:6px}
#alert-undo{flex-basis:100%;list-style:none;margin:0;padding:0}
#alert-undo li{display:flex;flex-wrap:wrap;align-items:center;gap:.5rem;padding:.35rem .75rem;border-radius:6px;background:var(--bad);color:var(--paper);font-weight:600}
#alert-undo button{min-height:2.75rem;background:var(--paper);color:var(--text);border-color:var(--paper)}
#alert-confirm{max-width:min(34rem,calc(100vw - 2rem))}
.alert-preview{border:1px solid var(--line);border-radius:8px;padding:.5rem .75rem;margin:.5rem 0}
.alert-feed{margin:0;font-size:.875rem;color:var(--muted)}
.alert-text{margin:.15rem 0 0;font-weight:700;overflow-wrap:anywhere}
#history-list{padding-inline-start:1.25rem}
fieldset.byline{display:block;border:0;padding:0;margin:1rem 0 0}
fieldset.byline legend{font-weight:700;padding:0;font-size:1.05rem}
fieldset.byline label{display:block;font-weight:600;margin:.5rem 0 .25rem}
dialog .danger{background:var(--bad);border-color:var(--bad);color:var(--paper)}
#entries .entry-head{display:flex;flex-wrap:wrap;gap:.25rem .6rem;font-size:.875rem;color:var(--muted)}
#entries time{font-weight:700;color:var(--text)}
#entries .status{text-transform:uppercase;font-size:.75rem;letter-spacing:.04em;font-weight:700}
#entries .entry-name{display:block;margin:.15rem 0 .35rem}
#entries .actions{margin:0}
#entries .actions button{min-height:2.25rem}
#entries .actions .flag[aria-pressed=true]{background:var(--accent);border-color:var(--accent);color:var(--on-accent)}
#connection{position:sticky;top:0;z-index:3;margin:0;padding:.6rem 1rem;background:var(--bad);color:var(--paper);font-weight:700}
dialog{max-width:min(72rem,calc(100vw - 1rem));max-height:calc(100dvh - 1rem);box-sizing:border-box;padding:1rem;border:1px solid var(--line);border-radius:8px;background:var(--paper);color:var(--text)}
dialog::backdrop{background:rgb(0 0 0 / .45)}
dialog h2{font-size:1.15rem;margin:0 0 .25rem}
.versions{display:grid;gap:.75rem;grid-template-columns:repeat(auto-fit,minmax(15rem,1fr));margin:.75rem 0}
.versions h3{font-size:.95rem;margin:0 0 .25rem}
.version{border:1px solid var(--line);border-radius:6px;padding:.25rem .6rem;max-height:40vh;overflow:auto;overflow-wrap:anywhere}
.version-headline{font-weight:700}
dialog form.send{position:sticky;bottom:0;background:var(--paper);padding-top:.5rem}
details{margin:.5rem 0}summary{cursor:pointer;font-weight:600;padding:.35rem 0}
main.sign-in{box-sizing:border-box;width:min(26rem,calc(100% - 1.5rem));min-height:auto;margin:2rem auto;padding:1.5rem 1.25rem;border:1px solid var(--line);border-radius:10px}
.sign-in h1{font-size:1.5rem;margin:0 0 1rem}
.sign-in input[type=email]{width:100%;box-sizing:border-box;font:inherit;color:inherit;background:var(--paper);padding:.45rem .6rem;border:1px solid var(--field);border-radius:6px}
.sign-in .send button{width:100%}
a.button{display:block;box-sizing:border-box;text-align:center;text-decoration:none;padding:.6rem .9rem;border-radius:6px;min-height:2.75rem}
a.button.primary{background:var(--accent);color:var(--on-accent);font-weight:600}
.sign-in .or{text-align:center;color:var(--muted);margin:1rem 0 0}
#sign-in-message{margin:.5rem 0 0;color:var(--bad);font-weight:600}#sign-in-message:empty{margin:0}#sign-in-message.ok{color:var(--ok)}
#token-box{margin-top:1.25rem;border-top:1px solid var(--line);padding-top:.5rem}
.account{display:flex;align-items:center;gap:.5rem;margin:0 0 0 auto}
.account img{border-radius:50%;object-fit:cover}
.account button{min-height:2.25rem;padding:.2rem .7rem}
`;
