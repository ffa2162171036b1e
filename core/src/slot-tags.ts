import calculateSlot from "cluster-key-slot";

/** Redis Cluster's hash slots. */
export const SLOT_COUNT = 16_384;

let tags: string[] | undefined;

/**
 * One short hash tag per Redis Cluster slot: `slotTag(s)` is a string whose CRC16 lands in slot
 * `s`, so a key `{<slotTag(s)>}:…` lives in slot `s`. A feed's scripts may only touch keys of the
 * feed's own slot, so a record they keep about many feeds (the feeds behind, for the sweep) is one
 * key per slot, named with the slot's tag. Found once, by counting in base 36 until every slot
 * has one (about 90,000 tries, tens of milliseconds).
 */
export function slotTag(slot: number): string {
  tags ??= findTags();
  const tag = tags[slot];
  if (tag === undefined) throw new RangeError(`no hash slot ${slot}`);
  return tag;
}

/** The slot of a key, as Redis Cluster computes it (the hash tag's, when the key has one). */
export function slotOf(key: string): number {
  return calculateSlot(key);
}

function findTags(): string[] {
  const found: string[] = new Array<string>(SLOT_COUNT);
  let missing = SLOT_COUNT;
  for (let i = 0; missing > 0; i++) {
    const tag = i.toString(36);
    const slot = calculateSlot(tag);
    if (found[slot] === undefined) {
      found[slot] = tag;
      missing--;
    }
  }
  return found;
}
