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

/**
 * A character that is not white space as `String.prototype.trim` sees it, spelt out so that every
 * regular-expression dialect reads the class alike (`\s` is not the same set in every one).
 */
export const NOT_BLANK = /[^\t-\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]/;

/**
 * A non-blank piece of text of at most `max` characters (a title, an alt text, a role), stored
 * trimmed. The rules apply to the text as sent (a pattern, not only a length), so /openapi.json
 * states them exactly: a blank one is refused rather than trimmed to nothing.
 */
export const TextLine = (max: number) =>
  Text.min(1, { abort: true }).max(max).regex(NOT_BLANK, "must not be blank").trim();
