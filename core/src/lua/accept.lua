-- Accept one change for a feed: give it the next ticket and keep it in the pending hash,
-- in one atomic step, so the order of tickets is the order the API accepted changes in.
-- KEYS: meta, pending, ids, idempotency-key (or the meta key again when there is none)
-- ARGV: op, change JSON, entry id ('' for feed changes), content hash, idempotency TTL (s)
-- Returns {status, ticket, detail}
local meta, pending, ids, idem = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local op, change, entryId, hash, ttl = ARGV[1], ARGV[2], ARGV[3], ARGV[4], tonumber(ARGV[5])

if redis.call('EXISTS', meta) == 0 then return {'feed_not_found', 0, ''} end
local current = tonumber(redis.call('HGET', meta, 'ticket') or '0')

if op == 'publish' then
  if idem ~= meta then
    local seen = redis.call('GET', idem)
    if seen then return {'duplicate_key', current, seen} end
  end
  local prev = redis.call('HGET', ids, entryId)
  if prev then return {'duplicate_id', current, prev} end
  if redis.call('HGET', meta, 'status') == 'ended' then return {'feed_ended', 0, ''} end
elseif op == 'update' or op == 'delete' then
  local prev = redis.call('HGET', ids, entryId)
  if (not prev) or string.sub(prev, 1, 8) == 'deleted:' then return {'entry_not_found', 0, ''} end
end

local ticket = redis.call('HINCRBY', meta, 'ticket', 1)
redis.call('HSET', pending, ticket, change)
if op == 'publish' then
  redis.call('HSET', ids, entryId, hash)
  if idem ~= meta then redis.call('SET', idem, entryId .. '|' .. hash, 'EX', ttl) end
elseif op == 'delete' then
  -- The tombstone keeps the content hash: a late retry of the original publish stays a no-op.
  redis.call('HSET', ids, entryId, 'deleted:' .. redis.call('HGET', ids, entryId))
end
return {'ok', ticket, ''}
