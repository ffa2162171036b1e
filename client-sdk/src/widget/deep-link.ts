const ENTRY_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

/** The entry a link points at: `#entry-ID` (what the feed page's anchors use) or `?entry=ID`. */
export function deepLinkId(loc: Pick<Location, "hash" | "search">): string | undefined {
  const fromHash = /^#entry-(.+)$/.exec(loc.hash)?.[1];
  const id = fromHash ?? new URLSearchParams(loc.search).get("entry") ?? undefined;
  return id !== undefined && ENTRY_ID.test(id) ? id : undefined;
}
