import { z } from "zod";
import { AcceptedResponse, ErrorResponse, IfMatch } from "../schemas.js";
import type { HeaderParam, Reply } from "./operation.js";

/** Replies and headers several operations share. */

export const err = (description: string) => ({ description, schema: ErrorResponse }) as const satisfies Reply;

export const accepted = {
  description: "Accepted: queued, applied within milliseconds",
  schema: AcceptedResponse,
} as const satisfies Reply;

export const revisionConflict = err(
  "revision_conflict: If-Match names a revision the entry has moved past; `details` holds `revision`, `etag` and the current `entry`",
);

export const ifMatch = {
  "If-Match": {
    schema: IfMatch,
    asSent: true,
    description:
      'the ETag of GET …/entries/:entryId ("r<revision>"), or `*`, as HTTP defines If-Match (`*` or a comma-separated list of quoted ETags, `W/` allowed): refused with 412 revision_conflict when it does not name the entry\'s accepted revision (a list is read for its first ETag of an entry), and with 400 validation_failed when it is not `*` or a list of quoted ETags (such as r2 without its quotes)',
  },
} as const satisfies Record<string, HeaderParam>;

/** A text answer (HTML, JavaScript, XML …) of the given type. */
export const text = (description: string, contentType: string) =>
  ({ description, schema: z.string(), contentType }) as const satisfies Reply;

export const javascript = text("JavaScript", "text/javascript");
