-- Events after `since`, or a signal that the log no longer reaches back that far.
-- KEYS: meta, log   ARGV: since, most events
-- Returns {seq, 'events', e1, e2, ...} or {seq, 'reset'}
local seq = tonumber(redis.call('HGET', KEYS[1], 'seq') or '0')
local since, most = tonumber(ARGV[1]), tonumber(ARGV[2])
if since == seq then return {seq, 'events'} end
if since > seq or seq - since > most then return {seq, 'reset'} end
local oldest = redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')
if #oldest == 0 or tonumber(oldest[2]) > since + 1 then return {seq, 'reset'} end
local out = redis.call('ZRANGE', KEYS[2], since + 1, seq, 'BYSCORE')
table.insert(out, 1, 'events')
table.insert(out, 1, seq)
return out
