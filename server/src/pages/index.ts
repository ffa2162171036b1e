import { CONSOLE_PAGE } from "@liveline/console";
import type { FeedService } from "../feed/feed-service.js";
import { expressHandler, type Handlers } from "../http/operation-router.js";
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

type PageOperation =
  | "getWidgetScript"
  | "getWidgetEmbedsScript"
  | "getConsoleScript"
  | "getConsolePage"
  | "getFeedPage"
  | "getAtomFeed"
  | "getJsonFeed";

/** The service's own pages: the reader page of a feed (and its Atom and JSON Feed), the editor console, their scripts. */
export function pagesRouter(opts: PagesOptions): Handlers<PageOperation> {
  const documents = feedDocuments(opts);
  const consoleHtml = layout(CONSOLE_PAGE);
  return {
    getWidgetScript: expressHandler(bundledScript("@liveline/client-sdk/widget.js")),
    getWidgetEmbedsScript: expressHandler(bundledScript("@liveline/client-sdk/widget-embeds.js")),
    getConsoleScript: expressHandler(bundledScript("@liveline/console/console.js")),
    getConsolePage: ({ res }) => {
      sendPage(res, 200, consoleHtml);
      return undefined;
    },
    getFeedPage: expressHandler(feedPage(opts)),
    getAtomFeed: expressHandler(documents.atom),
    getJsonFeed: expressHandler(documents.json),
  };
}
