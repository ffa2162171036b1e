-- Accept one change for a feed: give it the next ticket and keep it in the pending hash,
-- in one atomic step, so the order of tickets is the order the API accepted changes in.
-- KEYS: meta, pending, ids, idempotency-key (or the meta key again when there is none),
--       accepted (entry id -> the entry as accepted so far), entries, behind (the set of feeds
--       behind in this feed's cluster slot)
-- ARGV: op, change JSON, entry id ('' for feed changes), content hash, idempotency TTL (s),
--       If-Match revision ('' for none), 'contributor' when the writer is one (else ''), the
--       writer's sub, the status the change gives the entry ('' keeps it: draft, scheduled,
--       published), the schedule version a release is for ('' for any), the feed id, the time
--       now (ms), how old (ms) the mark of a scheduled job may grow before another is asked for
-- Returns {status, ticket, detail, accepted revision, schedule version, 1 when a job is needed}
--
-- Group commit: one apply job takes every change accepted for the feed until it runs. The feed's
-- `scheduled` field marks that a job was asked for (when); a change accepted while it is set needs
-- no job of its own. apply.lua clears the mark when it has taken every pending change, so a change
-- accepted after that asks for a new job. A mark older than the given age asks for another job
-- all the same: a server that died between accept and enqueue delays its feed that long at most.
-- The feed joins its slot's `behind` set, which apply.lua leaves when it caught up: the worker's
-- sweep reads those sets to find feeds whose job was lost.
--
-- The accepted state of an entry ({r, st, sv, by}) is what the entry will be once every change
-- accepted so far is applied: `r` its revision (each accepted change of the entry takes the
-- next one, and carries it to apply.lua as `rev`), `st` its status, `sv` its schedule version,
-- `by` who created it. If-Match is checked against it here, atomically with the ticket, so two
-- editors sending an edit at once cannot both win, even before the worker applied the first.
local meta, pending, ids, idem, accepted, entries, behind = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7]
local op, change, entryId, hash, ttl = ARGV[1], ARGV[2], ARGV[3], ARGV[4], tonumber(ARGV[5])
local ifMatch, role, actor, newStatus, releaseFor = ARGV[6], ARGV[7], ARGV[8], ARGV[9], ARGV[10]
local feedId, now, markAge = ARGV[11], tonumber(ARGV[12]), tonumber(ARGV[13])

if redis.call('EXISTS', meta) == 0 then return {'feed_not_found', 0, '', 0, 0} end
local current = tonumber(redis.call('HGET', meta, 'ticket') or '0')
local state = nil

-- An entry accepted before accepted states existed is a published one at its stored revision.
local function stateOf(id)
  local raw = redis.call('HGET', accepted, id)
  if raw then return cjson.decode(raw) end
  local cur = redis.call('HGET', entries, id)
  local r = 1
  if cur then r = tonumber(cjson.decode(cur).revision) or 1 end
  return { r = r, st = 'published', sv = 0 }
end

if op == 'publish' then
  if idem ~= meta then
    local seen = redis.call('GET', idem)
    if seen then return {'duplicate_key', current, seen, 0, 0} end
  end
  local prev = redis.call('HGET', ids, entryId)
  if prev then return {'duplicate_id', current, prev, 0, 0} end
  if redis.call('HGET', meta, 'status') == 'ended' and newStatus == 'published' then return {'feed_ended', 0, '', 0, 0} end
  if role == 'contributor' and newStatus ~= 'draft' then return {'forbidden', 0, '', 0, 0} end
  state = { r = 1, st = newStatus, sv = 0, by = actor }
  if newStatus == 'scheduled' then state.sv = 1 end
elseif op == 'update' or op == 'delete' or op == 'release' then
  local prev = redis.call('HGET', ids, entryId)
  if (not prev) or string.sub(prev, 1, 8) == 'deleted:' then return {'entry_not_found', 0, '', 0, 0} end
  state = stateOf(entryId)
  if ifMatch ~= '' and tonumber(ifMatch) ~= state.r then return {'revision_conflict', 0, '', state.r, 0} end
  -- A contributor writes drafts of their own, and never publishes one.
  if role == 'contributor' and (op == 'release' or state.st ~= 'draft' or state.by ~= actor or newStatus ~= '') then
    return {'forbidden', 0, '', state.r, 0}
  end
  if op == 'release' then
    if releaseFor ~= '' and (state.st ~= 'scheduled' or tostring(state.sv) ~= releaseFor) then
      return {'stale', 0, '', state.r, state.sv}
    end
    if state.st == 'published' then return {'entry_published', 0, '', state.r, 0} end
    if redis.call('HGET', meta, 'status') == 'ended' then return {'feed_ended', 0, '', 0, 0} end
    state.st = 'published'
  elseif op == 'update' and newStatus ~= '' then
    -- Scheduling, rescheduling or cancelling: a new schedule version makes any delayed job of
    -- the previous one a no-op when it fires.
    if state.st == 'published' then return {'entry_published', 0, '', state.r, 0} end
    state.st = newStatus
    state.sv = (tonumber(state.sv) or 0) + 1
  end
  state.r = state.r + 1
end

local ticket = redis.call('HINCRBY', meta, 'ticket', 1)
if state then
  -- The change carries its revision to the apply script (the JSON is an object: '{' first).
  change = '{"rev":' .. state.r .. ',' .. string.sub(change, 2)
end
redis.call('HSET', pending, ticket, change)
if op == 'publish' then
  redis.call('HSET', ids, entryId, hash)
  if idem ~= meta then redis.call('SET', idem, entryId .. '|' .. hash, 'EX', ttl) end
elseif op == 'delete' then
  -- The tombstone keeps the content hash: a late retry of the original publish stays a no-op.
  redis.call('HSET', ids, entryId, 'deleted:' .. redis.call('HGET', ids, entryId))
  redis.call('HDEL', accepted, entryId)
  state = nil
end
if state then redis.call('HSET', accepted, entryId, cjson.encode(state)) end
local r, sv = 0, 0
if state then r, sv = state.r, state.sv end
redis.call('SADD', behind, feedId)
local mark = tonumber(redis.call('HGET', meta, 'scheduled') or '')
local job = 0
if (not mark) or math.abs(now - mark) > markAge then
  redis.call('HSET', meta, 'scheduled', now)
  job = 1
end
return {'ok', ticket, '', r, sv, job}
