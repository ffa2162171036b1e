import { Router } from "express";
import type { FeedService } from "../feed/feed-service.js";
import { CONSOLE_PAGE } from "@liveline/console";
import { bundledScript } from "./assets.js";
import { feedPage } from "./feed-page.js";
import { feedDocuments } from "./feed-documents.js";
import { layout, sendPage } from "./html.js";

export interface PagesOptions {
  service: FeedService;
  publisherName: string;
  publicUrl: string | undefined;
  publisherLogoUrl: string | undefined;
  language: string;
}

/** The service's own pages: the reader page of a feed, the editor console, and their scripts. */
export function pagesRouter(opts: PagesOptions): Router {
  const r = Router();
  r.get("/widget.js", bundledScript("@liveline/client-sdk/widget.js"));
  r.get("/widget-embeds.js", bundledScript("@liveline/client-sdk/widget-embeds.js"));
  r.get("/console.js", bundledScript("@liveline/console/console.js"));
  const consoleHtml = layout(CONSOLE_PAGE);
  r.get("/console", (_req, res) => sendPage(res, 200, consoleHtml));
  r.get("/feeds/:feedId", feedPage(opts));
  const documents = feedDocuments(opts);
  r.get("/feeds/:feedId/atom.xml", documents.atom);
  r.get("/feeds/:feedId/feed.json", documents.json);
  return r;
}
