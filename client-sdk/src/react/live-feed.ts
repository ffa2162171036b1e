import { createElement, useEffect, useRef, type ReactElement } from "react";
import type { LivelineClient } from "../client.js";
import { mount } from "../widget/mount.js";

export interface LiveFeedProps {
  feedId: string;
  /** The app's client; the widget uses its connection and leaves it open when it goes. */
  client: LivelineClient;
  /** As the widget's `locale` option (a BCP 47 tag). @default the page's `lang`, else the reader's */
  locale?: string;
  /** Level of entry headlines, 1–6. @default one below the heading before the widget */
  headingLevel?: number;
  /** Override the reader's colour scheme. */
  theme?: "light" | "dark";
  className?: string;
}

/**
 * The reader's widget (the same one `/widget.js` mounts: key events, live list, pill, share
 * buttons) as a React component, for web pages built with React.
 *
 * @example
 * <LiveFeed feedId="election-night" client={client} />
 */
export function LiveFeed(props: LiveFeedProps): ReactElement {
  const { feedId, client, locale, headingLevel, theme, className } = props;
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = ref.current;
    if (el === null) return undefined;
    const widget = mount(el, {
      feedId,
      client,
      ...(locale === undefined ? {} : { locale }),
      ...(headingLevel === undefined ? {} : { headingLevel }),
    });
    return () => widget.destroy();
  }, [feedId, client, locale, headingLevel]);
  return createElement("div", { ref, className, "data-theme": theme });
}
