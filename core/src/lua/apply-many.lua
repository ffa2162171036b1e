-- Apply several feeds of one cluster slot in one call (a drain job's feeds: group commit across
-- feeds, one round trip and one script for all), each as apply.lua applies one
-- (includes/apply-feed.lua), and keep the slot's sets once for all of them.
-- A feed whose apply raises an error (a Redis error half-way) is answered as such and the others
-- go on; the caller applies it alone, as a job would (retried, then set aside).
-- KEYS: behind, outputsDue (the slot's sets), then each feed's APPLY_FEED_KEYS keys (as apply.lua's)
-- ARGV: the call's settings (applySettings), then each feed's APPLY_FEED_ARGS values (feedArgs)
-- Returns, per feed in order, applyFeed's APPLIED_VALUES values; a feed that raised an error has
-- seq -1 and the error as its reason.
--- @include "apply-feed"
local behind, outputsDue = KEYS[1], KEYS[2]
local s = applySettings(1)
local sets = slotSets()
local out = {}
local feeds = (#ARGV - APPLY_SETTINGS) / APPLY_FEED_ARGS
for i = 0, feeds - 1 do
  local f = feedArgs(APPLY_SETTINGS + 1 + i * APPLY_FEED_ARGS)
  local ok, result, done = pcall(applyFeed, 3 + i * APPLY_FEED_KEYS, f, s)
  if ok then
    sets.note(f.id, result, done)
  else
    local err = result
    if type(err) == 'table' then err = err.err end
    result = {-1, 0, 0, '', tostring(err), 0, 0}
  end
  for j = 1, APPLIED_VALUES do table.insert(out, result[j]) end
end
sets.keep(behind, outputsDue)
return out
