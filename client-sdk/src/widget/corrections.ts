import type { Entry } from "@liveline/protocol";

/**
 * When each entry was last corrected, the one place that decides whether an entry carries an
 * "Updated 14:40" note. A correction is a change of what readers read (headline or body); a
 * pin, a key-event mark or an automatic unpin also raise `revision`, but are not corrections.
 *
 * The feed's events carry the entry's current state only, so the content change is seen by
 * comparing versions as they arrive. An entry first met with `revision > 1` (after a reload)
 * has an unknown history and is marked, as a correction might be behind it. When entries
 * carry their own list of corrections, `correctedAt` reads that instead and this memory goes.
 */
export class CorrectionLog {
  private readonly last = new Map<string, { content: string; correctedAt: string | undefined }>();

  /** Note this version of the entry; answers when it was last corrected, if ever. */
  see(entry: Entry): string | undefined {
    const content = `${entry.headline ?? ""}\u0000${entry.body}`;
    const before = this.last.get(entry.id);
    let correctedAt: string | undefined;
    if (before === undefined) correctedAt = entry.revision > 1 ? entry.updatedAt : undefined;
    else correctedAt = before.content === content ? before.correctedAt : entry.updatedAt;
    this.last.set(entry.id, { content, correctedAt });
    return correctedAt;
  }

  /** What `see` last answered for the entry. */
  get(entryId: string): string | undefined {
    return this.last.get(entryId)?.correctedAt;
  }

  forget(entryId: string): void {
    this.last.delete(entryId);
  }
}
