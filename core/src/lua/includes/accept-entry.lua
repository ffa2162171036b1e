-- What accepting a change checks, per operation, atomically with its ticket (accept.lua): each
-- operation that names an entry has two functions, given by `operation(op)`. The check answers the
-- script's refusal ({status, ...}), or nil when the change is accepted, with the entry's accepted
-- state as the change leaves it in `a.state`; the keep writes what the operation keeps once the
-- change has its ticket. A feed's change names no entry and has nothing of its own to check.
-- (Plain functions, not a table of them: a script's body runs again on every call.)
--
-- `a` is the accept (built by accept.lua): the feed's keys (meta, ids, idem, accepted, entries,
-- drainMark), the change's entry id, content hash, idempotency TTL, If-Match, the writer's role and
-- sub, the status it gives the entry and the schedule version a release is for, the feed's last
-- ticket (`current`) and whether it ended.
--
-- If-Match is checked against the entry's accepted state (includes/accepted-state.lua), so two
-- editors sending an edit at once cannot both win, even before the worker applied the first. So is
-- the part of the contributor rule that needs that state: a contributor changes only drafts of
-- their own (`detail` not_own_draft; the server words it in feed-service.ts). The parts a change
-- shows on its face (drafts only, no scheduling, no release) are decided before it gets here
-- (contributorRefusal in scripts.ts).
--- @include "constants"
--- @include "accepted-state"
--- @include "drain-mark"

-- The slot's drain mark while its job waits ('' for none, or one a drain took): a duplicate
-- answers it, so that a retry can add again the job its first try may never have added (same id:
-- a no-op).
local function markNow(a)
  local mark = redis.call('GET', a.drainMark)
  if waitingSince(mark) then return mark end
  return ''
end

-- An entry without a record is a published one at its stored revision (includes/accepted-state.lua).
local function stateOf(a)
  local state = acceptedState(a.accepted, a.entryId)
  if state then return state end
  local cur = redis.call('HGET', a.entries, a.entryId)
  local r = 1
  if cur then r = tonumber(cjson.decode(cur).revision) or 1 end
  return { r = r, st = 'published', sv = 0 }
end

-- A publish takes its entry id by the HSETNX that checks it (one call, not a read and a write); a
-- feed that ended only reads it, to answer a duplicate as such. A new published entry keeps no
-- accepted state: having none is the state of a published entry at its stored revision, 1 until
-- it is stored. Drafts and scheduled entries keep theirs.
local function checkPublish(a)
  if a.idem ~= a.meta then
    local seen = redis.call('GET', a.idem)
    if seen then return {'duplicate_key', a.current, seen, 0, 0, markNow(a)} end
  end
  if a.ended and a.newStatus == 'published' then
    local prev = redis.call('HGET', a.ids, a.entryId)
    if prev then return {'duplicate_id', a.current, prev, 0, 0, markNow(a)} end
    return {'feed_ended', 0, '', 0, 0}
  end
  if redis.call('HSETNX', a.ids, a.entryId, a.hash) == 0 then
    return {'duplicate_id', a.current, redis.call('HGET', a.ids, a.entryId), 0, 0, markNow(a)}
  end
  a.state = { r = 1, st = a.newStatus, sv = 0, by = a.actor }
  if a.newStatus == 'scheduled' then a.state.sv = 1 end
  return nil
end

local function keepPublish(a)
  if a.idem ~= a.meta then redis.call('SET', a.idem, a.entryId .. '|' .. a.hash, 'EX', a.ttl) end
  if a.state.st ~= 'published' then keepAcceptedState(a.accepted, a.entryId, a.state) end
end

-- What every change of an existing entry checks first: the entry was accepted and not retracted,
-- If-Match names its accepted revision, and a contributor's change is to a draft of their own.
local function checkEntry(a)
  local prev = redis.call('HGET', a.ids, a.entryId)
  if (not prev) or string.sub(prev, 1, #RETRACTED) == RETRACTED then return {'entry_not_found', 0, '', 0, 0} end
  a.prevId = prev
  a.state = stateOf(a)
  if a.ifMatch ~= '' and tonumber(a.ifMatch) ~= a.state.r then return {'revision_conflict', 0, '', a.state.r, 0} end
  if a.role == 'contributor' and (a.state.st ~= 'draft' or a.state.by ~= a.actor) then
    return {'forbidden', 0, 'not_own_draft', a.state.r, 0}
  end
  return nil
end

-- Each accepted change of an entry takes its next revision, kept in its accepted state.
local function keepRevision(a)
  keepAcceptedState(a.accepted, a.entryId, a.state)
end

-- An edit. Scheduling, rescheduling or cancelling (a status given) applies to drafts only, and a
-- new schedule version makes any delayed job of the previous one a no-op when it fires.
local function checkUpdate(a)
  local refused = checkEntry(a)
  if refused then return refused end
  if a.newStatus ~= '' then
    if a.state.st == 'published' then return {'entry_published', 0, '', a.state.r, 0} end
    a.state.st = a.newStatus
    a.state.sv = (tonumber(a.state.sv) or 0) + 1
  end
  a.state.r = a.state.r + 1
  return nil
end

-- A draft's publish: for the schedule version it names, if any ('stale' once the schedule moved),
-- never of an entry published already, nor on a feed that ended.
local function checkRelease(a)
  local refused = checkEntry(a)
  if refused then return refused end
  local state = a.state
  if a.releaseFor ~= '' and (state.st ~= 'scheduled' or tostring(state.sv) ~= a.releaseFor) then
    return {'stale', 0, '', state.r, state.sv}
  end
  if state.st == 'published' then return {'entry_published', 0, '', state.r, 0} end
  if a.ended then return {'feed_ended', 0, '', 0, 0} end
  state.st = 'published'
  state.r = state.r + 1
  return nil
end

-- A retraction. The tombstone keeps the content hash (the ids record read by checkEntry), so a
-- late retry of the original publish stays a no-op; the entry's accepted state goes, and the
-- answer names no revision.
local function checkDelete(a)
  local refused = checkEntry(a)
  if refused then return refused end
  a.state.r = a.state.r + 1
  return nil
end

local function keepDelete(a)
  redis.call('HSET', a.ids, a.entryId, RETRACTED .. a.prevId)
  redis.call('HDEL', a.accepted, a.entryId)
  a.state = nil
end

-- The check and the keep of a change's operation (none for a feed's change).
local function operation(op)
  if op == 'publish' then return checkPublish, keepPublish end
  if op == 'update' then return checkUpdate, keepRevision end
  if op == 'release' then return checkRelease, keepRevision end
  if op == 'delete' then return checkDelete, keepDelete end
  return nil, nil
end
