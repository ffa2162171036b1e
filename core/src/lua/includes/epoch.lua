-- The log's epoch (docs/delivery-guarantees.md#lost-history-the-epoch), kept in the `epoch` field
-- of the feed's meta.

-- History was lost (or the feed had no epoch): the log takes `fresh` as its epoch. Returns it.
local function takeEpoch(meta, fresh)
  redis.call('HSET', meta, 'epoch', fresh)
  return fresh
end

-- The epoch, from the field as read (`stored`, false when absent): a feed from before epochs gets
-- `fresh` now; no feed, no epoch ('').
local function epochOf(meta, stored, fresh)
  if stored then return stored end
  if redis.call('EXISTS', meta) == 0 then return '' end
  return takeEpoch(meta, fresh)
end
