-- Apply one feed's pending changes (includes/apply-feed.lua), and keep its slot's sets (slotSets).
-- KEYS: the feed's (meta, entries, order, pinned, log, pending, channel, drafts, accepted), then
--       behind (the set of feeds behind in this feed's cluster slot), outputsDue (the slot's set of
--       feeds whose outputs may not have taken every event yet), the slot's drain mark
-- ARGV: the feed's (up-to ticket, feed id, held epoch and seq, revisions prefix), the call's
--       settings (applySettings), then '1' when this is the first apply of a drain job asked for by
--       this feed: the slot's drain is taken first, in the same step (includes/drain.lua), which
--       saves the job a round trip
-- Returns applyFeed's answer and, when the drain was taken, the slot's feeds behind as it was taken.
--- @include "apply-feed"
--- @include "drain"
local behind, outputsDue, drainMark = KEYS[APPLY_FEED_KEYS + 1], KEYS[APPLY_FEED_KEYS + 2], KEYS[APPLY_FEED_KEYS + 3]
local taken = nil
if ARGV[APPLY_FEED_ARGS + APPLY_SETTINGS + 1] == '1' then taken = takeDrain(drainMark, behind) end
local f = feedArgs(1)
local result, caughtUp = applyFeed(1, f, applySettings(APPLY_FEED_ARGS + 1))
local sets = slotSets()
sets.note(f.id, result, caughtUp)
sets.keep(behind, outputsDue)
result[APPLIED_VALUES + 1] = taken
return result
