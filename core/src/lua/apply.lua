-- Apply one feed's pending changes (includes/apply-feed.lua), and keep its slot's sets: a feed
-- that emitted joins `outputsDue` (the outputs may not have taken every event yet), a feed caught
-- up leaves `behind` (a drain job that reads the set later skips it).
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
local behind, outputsDue, drainMark = KEYS[10], KEYS[11], KEYS[12]
local taken = nil
if ARGV[APPLY_FEED_ARGS + APPLY_SETTINGS + 1] == '1' then taken = takeDrain(drainMark, behind) end
local f = feedArgs(1)
local result, caughtUp = applyFeed(1, f, applySettings(APPLY_FEED_ARGS + 1))
if result[2] > 0 then redis.call('SADD', outputsDue, f.id) end
if caughtUp then redis.call('SREM', behind, f.id) end
result[8] = taken
return result
