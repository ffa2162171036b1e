-- The latest entries (plus every pinned one), the seq they reflect and the log's epoch, read atomically.
-- KEYS: meta, entries, order, pinned   ARGV: how many of the latest entries, a fresh epoch
-- A feed from before epochs gets the fresh one here (see head.lua). Returns {seq, epoch, e1, e2, ...}
--- @include "epoch"
local ids = redis.call('ZREVRANGE', KEYS[3], 0, tonumber(ARGV[1]) - 1)
local seen = {}
for _, id in ipairs(ids) do seen[id] = true end
for _, id in ipairs(redis.call('SMEMBERS', KEYS[4])) do
  if not seen[id] then table.insert(ids, id) end
end
local seq = redis.call('HGET', KEYS[1], 'seq') or '0'
local epoch = epochOf(KEYS[1], redis.call('HGET', KEYS[1], 'epoch'), ARGV[2])
if #ids == 0 then return {seq, epoch} end
local out = redis.call('HMGET', KEYS[2], unpack(ids))
table.insert(out, 1, epoch)
table.insert(out, 1, seq)
return out
