-- Accept one change for a feed: give it the next ticket and keep it in the pending hash,
-- in one atomic step, so the order of tickets is the order the API accepted changes in.
-- KEYS: meta, pending, ids, idempotency-key (or the meta key again when there is none),
--       accepted (entry id -> the entry as accepted so far), entries, behind (the set of feeds
--       behind in this feed's cluster slot), drain mark (of this feed's cluster slot), the
--       writer's rate-limit counter (or the meta key again when the caller counted it)
-- ARGV: op, change JSON, entry id ('' for feed changes), content hash, idempotency TTL (s),
--       If-Match revision ('' for none), 'contributor' when the writer is one (else ''), the
--       writer's sub, the status the change gives the entry ('' keeps it: draft, scheduled,
--       published), the schedule version a release is for ('' for any), the feed id, the time
--       now (ms), how old (ms) a drain mark may grow before another drain job is asked for, the
--       writes the writer's rate-limit window allows (0: not counted here) and the window (ms)
-- Returns {status, ticket, detail, accepted revision, schedule version, drain mark}: the drain
-- mark is set (`<ms>.<feed>.<ticket>`) when the caller must add the slot's drain job named by it
-- ('' when a job is waiting already); a duplicate returns the slot's current mark ('' for none),
-- so that a retry can add again the job its first try may never have added (same id: a no-op).
-- A write past the writer's rate limit is answered {'rate_limited', ms until its window ends} and
-- stores nothing: counting it here, first, saves the write a round trip of its own (on a Redis
-- Cluster the counter sits in another slot, and the server counts it before; rate-limits.ts).
--
-- Group commit across feeds: one drain job takes every feed of the slot that is behind when it
-- runs. The slot's drain mark says that a job was asked for (and when); a change accepted while it
-- is set needs no job of its own, since its feed is in the `behind` set that job will read. The
-- drain job deletes the mark as it reads the set (drain.lua), so a change accepted after that asks
-- for a new job. A mark older than the given age asks for another job all the same: a server that
-- died between accept and enqueue holds its slot that long at most. apply.lua takes the feed out
-- of `behind` once it caught up; the worker's sweep reads those sets to find feeds whose job was
-- lost.
--
-- If-Match is checked against the entry's accepted state (includes/accepted-state.lua) here,
-- atomically with the ticket, so two editors sending an edit at once cannot both win, even before
-- the worker applied the first. So is the part of the contributor rule that needs that state: a
-- contributor changes only drafts of their own (`detail` not_own_draft; the server words it in
-- feed-service.ts). The parts a change shows on its face (drafts only, no scheduling, no release)
-- are decided before it gets here (contributorRefusal in scripts.ts).
--- @include "constants"
--- @include "accepted-state"
--- @include "rate-window"
local meta, pending, ids, idem, accepted, entries, behind, drainMark, rate =
  KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7], KEYS[8], KEYS[9]
local op, change, entryId, hash, ttl = ARGV[1], ARGV[2], ARGV[3], ARGV[4], tonumber(ARGV[5])
local ifMatch, role, actor, newStatus, releaseFor = ARGV[6], ARGV[7], ARGV[8], ARGV[9], ARGV[10]
local feedId, now, markAge = ARGV[11], tonumber(ARGV[12]), tonumber(ARGV[13])
local ratePoints, rateWindow = tonumber(ARGV[14]), tonumber(ARGV[15])

-- Counted first: every write counts, whatever this script answers after.
if ratePoints > 0 then
  local wait = spendRate(rate, ratePoints, rateWindow)
  if wait > 0 then return {'rate_limited', wait, '', 0, 0} end
end

-- Every feed's meta has its id (create-feed.lua): one read answers whether it exists, its last
-- ticket, whether it ended, and its last ticket applied.
local head = redis.call('HMGET', meta, 'id', 'ticket', 'status', 'applied')
if not head[1] then return {'feed_not_found', 0, '', 0, 0} end
local current = tonumber(head[2] or '0')
local ended = head[3] == 'ended'
-- A feed with a change accepted and not applied is in its slot's `behind` set already: the accept
-- of that change added it, and only an apply that leaves the feed caught up (applied reaches its
-- last ticket, in the same script) takes it out. So under load, when a feed's changes come faster
-- than they are applied, its accepts skip the SADD.
local wasBehind = current > tonumber(head[4] or '0')
local state = nil
local prevId = nil

local function markNow()
  return redis.call('GET', drainMark) or ''
end

-- An entry without a record is a published one at its stored revision (includes/accepted-state.lua).
local function stateOf(id)
  local state = acceptedState(accepted, id)
  if state then return state end
  local cur = redis.call('HGET', entries, id)
  local r = 1
  if cur then r = tonumber(cjson.decode(cur).revision) or 1 end
  return { r = r, st = 'published', sv = 0 }
end

if op == 'publish' then
  if idem ~= meta then
    local seen = redis.call('GET', idem)
    if seen then return {'duplicate_key', current, seen, 0, 0, markNow()} end
  end
  -- The id is taken by the HSETNX that checks it (one call, not a read and a write); a feed that
  -- ended only reads it, to answer a duplicate as such.
  if ended and newStatus == 'published' then
    local prev = redis.call('HGET', ids, entryId)
    if prev then return {'duplicate_id', current, prev, 0, 0, markNow()} end
    return {'feed_ended', 0, '', 0, 0}
  end
  if redis.call('HSETNX', ids, entryId, hash) == 0 then
    return {'duplicate_id', current, redis.call('HGET', ids, entryId), 0, 0, markNow()}
  end
  state = { r = 1, st = newStatus, sv = 0, by = actor }
  if newStatus == 'scheduled' then state.sv = 1 end
elseif op == 'update' or op == 'delete' or op == 'release' then
  local prev = redis.call('HGET', ids, entryId)
  if (not prev) or string.sub(prev, 1, #RETRACTED) == RETRACTED then return {'entry_not_found', 0, '', 0, 0} end
  prevId = prev
  state = stateOf(entryId)
  if ifMatch ~= '' and tonumber(ifMatch) ~= state.r then return {'revision_conflict', 0, '', state.r, 0} end
  if role == 'contributor' and (state.st ~= 'draft' or state.by ~= actor) then
    return {'forbidden', 0, 'not_own_draft', state.r, 0}
  end
  if op == 'release' then
    if releaseFor ~= '' and (state.st ~= 'scheduled' or tostring(state.sv) ~= releaseFor) then
      return {'stale', 0, '', state.r, state.sv}
    end
    if state.st == 'published' then return {'entry_published', 0, '', state.r, 0} end
    if ended then return {'feed_ended', 0, '', 0, 0} end
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
  if idem ~= meta then redis.call('SET', idem, entryId .. '|' .. hash, 'EX', ttl) end
elseif op == 'delete' then
  -- The tombstone keeps the content hash: a late retry of the original publish stays a no-op.
  -- (an update, delete or release read the ids hash above: `prev`)
  redis.call('HSET', ids, entryId, RETRACTED .. prevId)
  redis.call('HDEL', accepted, entryId)
  state = nil
end
-- A new published entry keeps no record: having none is the state of a published entry at its
-- stored revision, 1 until it is stored (includes/accepted-state.lua). Drafts and scheduled entries
-- keep theirs, as does every entry a later change moved on.
if state and not (op == 'publish' and state.st == 'published') then keepAcceptedState(accepted, entryId, state) end
local r, sv = 0, 0
if state then r, sv = state.r, state.sv end
if not wasBehind then redis.call('SADD', behind, feedId) end
local mark = redis.call('GET', drainMark)
local markedAt = mark and tonumber(string.match(mark, '^%d+'))
local job = ''
if (not markedAt) or math.abs(now - markedAt) > markAge then
  job = now .. '.' .. feedId .. '.' .. ticket
  redis.call('SET', drainMark, job)
end
return {'ok', ticket, '', r, sv, job}
