import { z } from "zod";
import { ChangeOp, type FailedChange } from "@liveline/protocol";

/** Longest error text kept on a record (a decoder message, or a Lua error with its context). */
const MAX_ERROR_CHARS = 500;

/**
 * What a record can tell about a pending change that could not be applied. Read loosely: the
 * JSON may be exactly what the apply script refused (JavaScript's parser is more forgiving
 * than cjson, e.g. of an unpaired surrogate escape), or not parse at all.
 */
const Loose = z.object({
  op: z.unknown(),
  entryId: z.string().optional().catch(undefined),
  entry: z
    .object({ id: z.string().optional().catch(undefined) })
    .optional()
    .catch(undefined),
  requestId: z.string().optional().catch(undefined),
});

/** The dead-letter record of the pending change `raw` (null when it is missing) at `ticket`. */
export function describeFailedChange(ticket: number, raw: string | null, error: string, at: Date): FailedChange {
  let parsed: unknown;
  try {
    parsed = raw === null ? undefined : JSON.parse(raw);
  } catch {
    parsed = undefined;
  }
  const loose = Loose.safeParse(parsed);
  const c = loose.success ? loose.data : undefined;
  const op = ChangeOp.safeParse(c?.op);
  const entryId = c?.entryId ?? c?.entry?.id;
  return {
    ticket,
    op: op.success ? op.data : "unknown",
    ...(entryId === undefined ? {} : { entryId }),
    ...(c?.requestId === undefined ? {} : { requestId: c.requestId }),
    error: error.slice(0, MAX_ERROR_CHARS),
    at: at.toISOString(),
  };
}
