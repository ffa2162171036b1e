import { z } from "zod";

/**
 * The text primitive: every string a client sends (bodies, ids, socket payloads, stored headers)
 * starts here. A string that is not well-formed Unicode -- an unpaired UTF-16 surrogate, which JSON
 * can carry as `\ud800` -- is refused with `validation_failed` naming the field: the apply script's
 * JSON decoder (Redis cjson) cannot read it back, so accepting it would answer 202 for a change
 * that can never be applied (docs/security.md#text-must-be-well-formed-unicode). Everything else
 * (NUL, other controls, bidi controls, non-characters) round-trips through the apply path byte for
 * byte and is carried.
 */
export const Text = z.string().refine((s) => s.isWellFormed(), {
  message: "must be well-formed Unicode (no unpaired UTF-16 surrogate such as \\ud800)",
});

/** A trimmed, non-empty piece of text of at most `max` characters (a title, an alt text, a role). */
export const TextLine = (max: number) => Text.trim().min(1).max(max);
