-- Events after `since`, or a signal that the log no longer reaches back that far, with the
-- log's epoch. A reader that names its epoch is answered from the log only within that epoch.
-- A reader of the current epoch holding a seq the feed never reached proves history was lost
-- (a restore or a failover behind it): the epoch changes here, atomically, and it gets `reset`.
-- KEYS: meta, log   ARGV: since, most events, the reader's epoch ('' when not sent), a fresh epoch
-- Returns {seq, epoch, 'events', e1, e2, ...} or {seq, epoch, 'reset'}
--- @include "epoch"
local head = redis.call('HMGET', KEYS[1], 'seq', 'epoch')
local seq = tonumber(head[1] or '0')
local since, most, asked, fresh = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3], ARGV[4]
-- A feed from before epochs gets one now; a reader's epoch cannot be it.
local epoch = epochOf(KEYS[1], head[2], fresh)
if asked ~= '' and asked ~= epoch then return {seq, epoch, 'reset'} end
if since > seq then
  if asked ~= '' then epoch = takeEpoch(KEYS[1], fresh) end
  return {seq, epoch, 'reset'}
end
if since == seq then return {seq, epoch, 'events'} end
if seq - since > most then return {seq, epoch, 'reset'} end
local oldest = redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')
if #oldest == 0 or tonumber(oldest[2]) > since + 1 then return {seq, epoch, 'reset'} end
local out = redis.call('ZRANGE', KEYS[2], since + 1, seq, 'BYSCORE')
table.insert(out, 1, 'events')
table.insert(out, 1, epoch)
table.insert(out, 1, seq)
return out
