-- Set aside (dead-letter) the change that blocks a feed: the one right after the last applied
-- ticket, which the apply script cannot read or which failed on every retry. Its record goes to
-- the feed's failed set and the feed's applied mark moves past it, so the changes behind it go
-- on. It never had a seq, so readers see no gap. Done only if no worker moved the feed on since
-- the caller looked (ARGV[1]), which makes a repeated or late call harmless.
-- A publish set aside frees its entry id (unless that entry exists), so the editor can publish
-- it again once corrected.
-- A release set aside leaves its draft a draft (its accepted state says so again).
-- KEYS: meta, pending, ids, entries, failed, drafts, accepted
-- ARGV: applied ticket the caller saw, record JSON, op, entry id ('' if none), records kept
-- Returns the ticket set aside, or 0 when there was nothing to do.
--- @include "accepted-state"
local meta, pending, ids, entries, failed, drafts, accepted = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7]
local seen, record, op, entryId, kept = tonumber(ARGV[1]), ARGV[2], ARGV[3], ARGV[4], tonumber(ARGV[5])

if redis.call('EXISTS', meta) == 0 then return 0 end
local applied = tonumber(redis.call('HGET', meta, 'applied') or '0')
local lastTicket = tonumber(redis.call('HGET', meta, 'ticket') or '0')
if applied ~= seen or applied >= lastTicket then return 0 end

local ticket = applied + 1
redis.call('ZADD', failed, ticket, record)
redis.call('ZREMRANGEBYRANK', failed, 0, -kept - 1)
redis.call('HINCRBY', meta, 'failed', 1)
redis.call('HDEL', pending, ticket)
redis.call('HSET', meta, 'applied', ticket)
if op == 'publish' and entryId ~= '' and redis.call('HEXISTS', entries, entryId) == 0
  and redis.call('HEXISTS', drafts, entryId) == 0 then
  redis.call('HDEL', ids, entryId)
  redis.call('HDEL', accepted, entryId)
elseif op == 'release' and entryId ~= '' then
  local draft, state = redis.call('HGET', drafts, entryId), acceptedState(accepted, entryId)
  if draft and state then
    state.st = cjson.decode(draft).status or 'draft'
    keepAcceptedState(accepted, entryId, state)
  end
end
return ticket
