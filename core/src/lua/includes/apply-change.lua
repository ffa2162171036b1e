-- What applying any change of a feed shares: the feed being applied (`x`, built by applyFeed in
-- includes/apply-feed.lua) and the steps every operation is made of. Each operation is an include
-- of its own (apply-publish, apply-update, apply-release, apply-delete, apply-feed-update) with a
-- function `apply<Op>(x, c)` that applies it and one that says why a decoded change of that
-- operation cannot be applied (nil when it can), before anything of it is written: `unfit<Op>(c)`,
-- or for a release and a retraction the same `unfitEntryChange`. (Plain functions, not a table of
-- them: a script's body runs again on every call, and a table of closures per call costs Redis a
-- microsecond.)
--
-- `x` holds the feed's keys (meta, entries, order, pinned, log, channel, drafts, accepted), its id,
-- the call's settings (`s`, applySettings), the revisions prefix, and what the apply moves on: the
-- seq, the epoch, the events emitted, whether one may make an alert, and the API request of the
-- change being applied.
--- @include "accepted-state"

-- The next seq, stamped on the event with the feed's id and epoch, written to the log and
-- published on the feed's channel. The API request that caused the change rides along (not part
-- of the public event: readers' parsers drop it) so that logs can follow a change to the emit.
local function emit(x, ev)
  x.seq = x.seq + 1
  ev.seq = x.seq
  ev.feedId = x.feedId
  ev.epoch = x.epoch
  if x.requestId then ev.requestId = x.requestId end
  local json = cjson.encode(ev)
  redis.call('ZADD', x.log, x.seq, json)
  redis.call(x.s.publishCmd, x.channel, json)
  x.emitted = x.emitted + 1
  -- Whether an event emitted may make an alert (a breaking entry published, or edited): the
  -- outputs walk those; past the others they only move the feed's cursor (outputs-worker.ts).
  if (ev.type == 'entry.published' or ev.type == 'entry.updated') and ev.entry.breaking == true then x.alerting = 1 end
end

-- Why a change of one stored entry (a release, a retraction) cannot be applied: it names no entry.
local function unfitEntryChange(c)
  if type(c.entryId) ~= 'string' then return c.op .. ' without entryId' end
  return nil
end

-- Who made a change: `{id, name}`, or the id alone (a change of an older release, or a writer
-- whose name is its id). The revision keeps it as the change gave it; a draft, only the id.
local function writer(c)
  local by = c.by
  if type(by) == 'string' then return by end
  if type(by) == 'table' and type(by.id) == 'string' then
    if type(by.name) ~= 'string' or by.name == by.id then return by.id end
    return { id = by.id, name = by.name }
  end
  return 'unknown'
end

local function writerId(c)
  local by = writer(c)
  if type(by) == 'table' then return by.id end
  return by
end

-- Each entry change appends {revision, by, at, type} to the entry's revision list (key: the
-- feed's revisions prefix .. entry id, in the feed's hash-tag slot), trimmed to `revKeep` records.
local function revise(x, c, entryId, revision, kind)
  local key = x.revPrefix .. entryId
  local record = { revision = revision, by = writer(c), at = c.at, type = kind }
  -- A retraction's reason (delete changes only; optional) stays in the entry's history.
  if kind == 'entry.deleted' and type(c.reason) == 'string' then record.reason = c.reason end
  -- RPUSH answers the list's length: trimmed only once it holds more than it keeps.
  if redis.call('RPUSH', key, cjson.encode(record)) > x.s.revKeep then
    redis.call('LTRIM', key, -x.s.revKeep, -1)
  end
end

-- The entry's next revision when the apply script itself changes it (an unpin), or when the
-- revision a change was accepted with is no longer ahead (an unpin came in between): taken
-- from the entry's accepted state, so that an If-Match of the accepted revision stays exact.
local function bump(x, id, current)
  local st = acceptedState(x.accepted, id) or { st = 'published', sv = 0 }
  st.r = math.max(tonumber(st.r) or 0, current) + 1
  keepAcceptedState(x.accepted, id, st)
  return st.r
end

local function revisionFor(x, c, e)
  local r = tonumber(c.rev)
  if r and r > e.revision then return r end
  return bump(x, e.id, e.revision)
end

-- cjson writes an empty array as {}: an attachment list that became empty is left out instead
-- (before the entry is emitted or stored). Returns the entry's JSON.
local function tidy(e)
  for _, k in ipairs({ 'media', 'embeds', 'corrections' }) do
    if type(e[k]) == 'table' and next(e[k]) == nil then e[k] = nil end
  end
  return cjson.encode(e)
end

-- One entry is pinned at a time (as on the Guardian's live pages): pinning an entry unpins the
-- one pinned before, as its own entry.updated with its own seq, emitted before the change that
-- pins the new one, so a reader applying events in order never holds two pinned entries.
local function unpinOthers(x, c, keepId)
  for _, id in ipairs(redis.call('SMEMBERS', x.pinned)) do
    if id ~= keepId then
      redis.call('SREM', x.pinned, id)
      local cur = redis.call('HGET', x.entries, id)
      if cur then
        local o = cjson.decode(cur)
        if o.pinned then
          o.pinned = false
          o.revision = bump(x, id, o.revision)
          emit(x, { type = 'entry.updated', at = c.at, entry = o })
          redis.call('HSET', x.entries, id, tidy(o))
          revise(x, c, id, o.revision, 'entry.updated')
        end
      end
    end
  end
end

-- An entry goes live (a publish, or a draft's publish): it unpins any other pinned entry first,
-- takes the next seq with its entry.published event, and joins the entries, the order and
-- (pinned) the pinned set. A new entry (`fresh`) is stored only if its id is free: the HSETNX
-- that stores it is the check, and a taken id leaves everything as it was.
local function goLive(x, c, e, fresh)
  local json = tidy(e)
  if fresh then
    if redis.call('HSETNX', x.entries, e.id, json) == 0 then return end
  end
  if e.pinned then unpinOthers(x, c, e.id) end
  emit(x, { type = 'entry.published', at = c.at, entry = e })
  if not fresh then redis.call('HSET', x.entries, e.id, json) end
  redis.call('ZADD', x.order, x.seq, e.id)
  if e.pinned then redis.call('SADD', x.pinned, e.id) end
  revise(x, c, e.id, e.revision, 'entry.published')
end
