import type { Entry, EntryPage } from "@liveline/protocol";

/** Reads of the public HTTP API the widget needs beyond the live subscription. */
export class FeedHistory {
  constructor(
    private readonly baseUrl: string,
    private readonly feedId: string,
  ) {}

  /** One page of entries, newest first; `next` is the cursor of the page after it. */
  async page(limit: number, before?: string): Promise<EntryPage> {
    const q = new URLSearchParams({ limit: String(limit) });
    if (before !== undefined) q.set("before", before);
    const body = await this.get(`entries?${q.toString()}`);
    if (!isPage(body)) throw new Error("unexpected answer to a page of entries");
    return body;
  }

  /** One entry, or undefined when it does not exist (any more). */
  async entry(entryId: string): Promise<Entry | undefined> {
    try {
      const body = await this.get(`entries/${encodeURIComponent(entryId)}`);
      return isEntry(body) ? body : undefined;
    } catch {
      return undefined;
    }
  }

  private async get(path: string): Promise<unknown> {
    const res = await fetch(`${this.baseUrl}/v1/feeds/${encodeURIComponent(this.feedId)}/${path}`, {
      headers: { accept: "application/json" },
    });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    return res.json() as Promise<unknown>;
  }
}

// The SDK carries no zod (bundle size); these checks cover what the widget reads.
function isEntry(v: unknown): v is Entry {
  if (typeof v !== "object" || v === null) return false;
  const e = v as Record<string, unknown>;
  return (
    typeof e.id === "string" &&
    typeof e.body === "string" &&
    typeof e.publishedAt === "string" &&
    typeof e.updatedAt === "string" &&
    typeof e.revision === "number"
  );
}

function isPage(v: unknown): v is EntryPage {
  if (typeof v !== "object" || v === null) return false;
  const p = v as Record<string, unknown>;
  return Array.isArray(p.entries) && p.entries.every(isEntry) && (p.next === undefined || typeof p.next === "string");
}
