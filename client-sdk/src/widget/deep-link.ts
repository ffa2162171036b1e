import { ENTRY_ID_PATTERN } from "@liveline/protocol/constants";

/** The entry a link points at: `#entry-ID` (what the feed page's anchors use) or `?entry=ID`. */
export function deepLinkId(loc: Pick<Location, "hash" | "search">): string | undefined {
  const fromHash = /^#entry-(.+)$/.exec(loc.hash)?.[1];
  const id = fromHash ?? new URLSearchParams(loc.search).get("entry") ?? undefined;
  return id !== undefined && ENTRY_ID_PATTERN.test(id) ? id : undefined;
}
