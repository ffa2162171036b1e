import { z } from "zod";
import { Actor, Revision } from "@liveline/protocol";

/**
 * Who made a change, as the store keeps it: `{id, name}`, or the id alone when the name is the
 * id itself (a token without a label), which is also how every record of an older release reads.
 * A string is read as `{id: s, name: s}`, so the history of entries written before names were
 * kept still reads.
 */
export const StoredActor = z.union([
  z
    .string()
    .min(1)
    .max(200)
    .transform((id): Actor => ({ id, name: id })),
  Actor,
]);

/** A record of an entry's revision list (apply.lua writes them), decoded here and nowhere else. */
export const StoredRevision = Revision.extend({ by: StoredActor });

/** The writer as a change carries it: the id alone when the name adds nothing (what apply.lua stores). */
export function compactActor(actor: Actor): Actor | string {
  return actor.name === actor.id ? actor.id : actor;
}
