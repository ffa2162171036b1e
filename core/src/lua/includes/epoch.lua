-- The log's epoch (docs/delivery-guarantees.md#lost-history-the-epoch), from the `epoch` field of
-- the feed's meta (`stored`, false when absent): a feed from before epochs gets `fresh` now;
-- no feed, no epoch ('').
-- History was lost (or the feed had no epoch): the log takes `fresh` as its epoch. Returns it.
local function takeEpoch(meta, fresh)
  redis.call('HSET', meta, 'epoch', fresh)
  return fresh
end

local function epochOf(meta, stored, fresh)
  if stored then return stored end
  if redis.call('EXISTS', meta) == 0 then return '' end
  return takeEpoch(meta, fresh)
end
