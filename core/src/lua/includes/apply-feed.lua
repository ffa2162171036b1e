-- Applying one feed: its pending changes in ticket order, up to the feed's last accepted ticket
-- (or the one asked for, when that is later), at most `batch` of them. Each change that alters
-- state gets the next seq, is written to the entry state and the event log, and is published on
-- the feed's channel -- all in one atomic script, so a seq is never assigned twice, never
-- skipped, and never stored without being published. A ticket already applied is skipped, which
-- makes a retried job harmless. apply.lua applies one feed, apply-many.lua the feeds of a drain
-- job; both keep the slot's sets (feeds behind, feeds with outputs due) with slotSets.
-- Group commit (see accept.lua): one call takes every change accepted so far.
-- Drafts and scheduled entries live in the drafts hash, never in entries/order/log: no read
-- path a reader has (snapshot, catch-up, list, get) looks there, and they take no seq. A
-- `release` moves one into entries as an entry.published, with the next seq (docs/editorial.md).
-- Each entry change also appends {revision, by, at, type} to the entry's revision list (`by`:
-- the writer's id, or {id, name} when the name is not the id; key: the feed's revisions prefix
-- .. entry id, in the feed's hash-tag slot), trimmed to `revKeep` records.
-- How a call lays out its keys, values and answer (APPLY_SETTINGS, APPLY_FEED_ARGS,
-- APPLY_FEED_KEYS, APPLIED_VALUES) comes from scripts.ts, which builds the calls and reads the answers.
--- @include "apply-layout"
--- @include "accepted-state"
--- @include "epoch"

-- The names in a comma-separated list.
local function fields(csv)
  local out = {}
  for f in string.gmatch(csv, '[^,]+') do table.insert(out, f) end
  return out
end

-- What the feeds of one call share, from ARGV[at] on (8 values): the log length to keep, the most
-- changes to apply per feed, the publish command, the revisions kept per entry, the entry fields an
-- edit may change and the feed fields a feed change may change (comma-separated, from the
-- contract's schemas), the content fields (a change to one of them moves `updatedAt`), a fresh
-- epoch (for a feed whose history was lost, or that has none).
local function applySettings(at)
  local s = {
    keep = tonumber(ARGV[at]), batch = tonumber(ARGV[at + 1]), publishCmd = ARGV[at + 2],
    revKeep = tonumber(ARGV[at + 3]), entryFields = fields(ARGV[at + 4]), feedFields = fields(ARGV[at + 5]),
    contentField = {}, fresh = ARGV[at + 7],
  }
  for _, f in ipairs(fields(ARGV[at + 6])) do s.contentField[f] = true end
  return s
end

-- One feed's part of a call, from ARGV[at] on (5 values): the ticket to apply up to at least, the
-- feed id, the epoch and seq the calling worker last saw the feed at ('' and 0 for none), the
-- feed's revisions key prefix.
local function feedArgs(at)
  return { upto = tonumber(ARGV[at]), id = ARGV[at + 1], heldEpoch = ARGV[at + 2],
    heldSeq = tonumber(ARGV[at + 3]), revPrefix = ARGV[at + 4] }
end

-- What applying feeds leaves to their slot's sets, kept once per call: a feed that emitted joins
-- `outputsDue` (the outputs may not have taken every event yet), a feed caught up (or gone) leaves
-- `behind` (a drain job that reads the set later skips it). `note` each feed's applyFeed answer,
-- then `keep`.
local function slotSets()
  local due, caughtUp = {}, {}
  local sets = {}
  function sets.note(id, result, done)
    if result[2] > 0 then table.insert(due, id) end
    if done then table.insert(caughtUp, id) end
  end
  function sets.keep(behind, outputsDue)
    if #due > 0 then redis.call('SADD', outputsDue, unpack(due)) end
    if #caughtUp > 0 then redis.call('SREM', behind, unpack(caughtUp)) end
  end
  return sets
end

-- The feed's keys are KEYS[at] on (9 of them): meta, entries, order, pinned, log, pending,
-- channel, drafts, accepted. `f`: feedArgs, `s`: applySettings.
-- Returns {seq, events emitted, last ticket applied, epoch, why the next one cannot be applied
-- ('' if it can), the feed's last accepted ticket, 1 if an event emitted may make an alert (else
-- 0)}: APPLIED_VALUES of them, and whether the feed is caught up (or gone): then it leaves its
-- slot's `behind` set.
local function applyFeed(at, f, s)
  local meta, entries, order, pinned, log, pending, channel, drafts, accepted =
    KEYS[at], KEYS[at + 1], KEYS[at + 2], KEYS[at + 3], KEYS[at + 4], KEYS[at + 5], KEYS[at + 6], KEYS[at + 7],
    KEYS[at + 8]
  local upto, keep, batch, publishCmd = f.upto, s.keep, s.batch, s.publishCmd
  local revPrefix, revKeep = f.revPrefix, s.revKeep
  local entryFields, feedFields, contentField = s.entryFields, s.feedFields, s.contentField

  local head = redis.call('HMGET', meta, 'id', 'applied', 'seq', 'ticket', 'epoch')
  local feedId = head[1]
  if not feedId then return {0, 0, 0, '', '', 0, 0}, true end
  local applied = tonumber(head[2] or '0')
  local seq = tonumber(head[3] or '0')
  local lastTicket = tonumber(head[4] or '0')
  local emitted = 0
  -- Whether an event emitted may make an alert (a breaking entry published, or edited): the
  -- outputs walk those; past the others they only move the feed's cursor (outputs-worker.ts).
  local alerting = 0
  -- The log's epoch (docs/delivery-guarantees.md#lost-history-the-epoch), stamped on every event. A
  -- feed from before epochs gets the fresh one. A worker that saw this epoch at a seq the feed is now
  -- behind of proves history was lost (a restore, a failover behind): the epoch changes before
  -- anything new takes those seqs again.
  local epoch = epochOf(meta, head[5], s.fresh)
  if epoch == f.heldEpoch and seq < f.heldSeq then epoch = takeEpoch(meta, s.fresh) end
  local limit = math.min(math.max(upto, lastTicket), applied + batch)

  -- The API request that caused the change rides along (not part of the public event: readers'
  -- parsers drop it) so that logs can follow a change from the API to the emit.
  local requestId = nil

  local function emit(ev)
    seq = seq + 1
    ev.seq = seq
    ev.feedId = feedId
    ev.epoch = epoch
    if requestId then ev.requestId = requestId end
    local json = cjson.encode(ev)
    redis.call('ZADD', log, seq, json)
    redis.call(publishCmd, channel, json)
    emitted = emitted + 1
    if (ev.type == 'entry.published' or ev.type == 'entry.updated') and ev.entry.breaking == true then alerting = 1 end
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

  local function revise(c, entryId, revision, kind)
    local by = writer(c)
    local key = revPrefix .. entryId
    local record = { revision = revision, by = by, at = c.at, type = kind }
    -- A retraction's reason (delete changes only; optional) stays in the entry's history.
    if kind == 'entry.deleted' and type(c.reason) == 'string' then record.reason = c.reason end
    -- RPUSH answers the list's length: trimmed only once it holds more than it keeps.
    if redis.call('RPUSH', key, cjson.encode(record)) > revKeep then redis.call('LTRIM', key, -revKeep, -1) end
  end

  -- The entry's next revision when the apply script itself changes it (an unpin), or when the
  -- revision a change was accepted with is no longer ahead (an unpin came in between): taken
  -- from the entry's accepted state, so that an If-Match of the accepted revision stays exact.
  local function bump(id, current)
    local st = acceptedState(accepted, id) or { st = 'published', sv = 0 }
    st.r = math.max(tonumber(st.r) or 0, current) + 1
    keepAcceptedState(accepted, id, st)
    return st.r
  end

  local function revisionFor(c, e)
    local r = tonumber(c.rev)
    if r and r > e.revision then return r end
    return bump(e.id, e.revision)
  end

  -- cjson writes an empty array as {}: an attachment list that became empty is left out instead
  -- (before the entry is emitted or stored). Returns the entry's JSON.
  local function tidy(e)
    for _, k in ipairs({ 'media', 'embeds', 'corrections' }) do
      if type(e[k]) == 'table' and next(e[k]) == nil then e[k] = nil end
    end
    return cjson.encode(e)
  end

  local function feedObject(at)
    local f = redis.call('HMGET', meta, 'title', 'description', 'status', 'createdAt', 'visibility')
    local o = { id = feedId, title = f[1], status = f[3], seq = seq + 1, createdAt = f[4], updatedAt = at,
      visibility = f[5] or 'public' }
    if f[2] and f[2] ~= '' then o.description = f[2] end
    return o
  end

  -- One entry is pinned at a time (as on the Guardian's live pages): pinning an entry unpins the
  -- one pinned before, as its own entry.updated with its own seq, emitted before the change that
  -- pins the new one, so a reader applying events in order never holds two pinned entries.
  local function unpinOthers(c, keepId)
    for _, id in ipairs(redis.call('SMEMBERS', pinned)) do
      if id ~= keepId then
        redis.call('SREM', pinned, id)
        local cur = redis.call('HGET', entries, id)
        if cur then
          local o = cjson.decode(cur)
          if o.pinned then
            o.pinned = false
            o.revision = bump(id, o.revision)
            emit({ type = 'entry.updated', at = c.at, entry = o })
            redis.call('HSET', entries, id, tidy(o))
            revise(c, id, o.revision, 'entry.updated')
          end
        end
      end
    end
  end

  -- An entry goes live (a publish, or a draft's publish): it unpins any other pinned entry first,
  -- takes the next seq with its entry.published event, and joins the entries, the order and
  -- (pinned) the pinned set. A new entry (`fresh`) is stored only if its id is free: the HSETNX
  -- that stores it is the check, and a taken id leaves everything as it was.
  local function goLive(c, e, fresh)
    local json = tidy(e)
    if fresh then
      if redis.call('HSETNX', entries, e.id, json) == 0 then return end
    end
    if e.pinned then unpinOthers(c, e.id) end
    emit({ type = 'entry.published', at = c.at, entry = e })
    if not fresh then redis.call('HSET', entries, e.id, json) end
    redis.call('ZADD', order, seq, e.id)
    if e.pinned then redis.call('SADD', pinned, e.id) end
    revise(c, e.id, e.revision, 'entry.published')
  end

  local function same(a, b)
    -- Tables (author, media, embeds) as their JSON: the same content decodes to the same text.
    if type(a) == 'table' and type(b) == 'table' then return cjson.encode(a) == cjson.encode(b) end
    return a == b
  end

  -- Why a decoded change cannot be applied (nil when it can): checked before anything of it is
  -- written, because a Lua error half-way would leave part of the change stored.
  local function unfit(c)
    if type(c) ~= 'table' then return 'the change is not a JSON object' end
    local op = c.op
    if op == 'publish' then
      if type(c.entry) ~= 'table' or type(c.entry.id) ~= 'string' then return 'publish without an entry' end
    elseif op == 'update' then
      if type(c.entryId) ~= 'string' or type(c.patch) ~= 'table' then return 'update without entryId and patch' end
    elseif op == 'delete' or op == 'release' then
      if type(c.entryId) ~= 'string' then return op .. ' without entryId' end
    elseif op == 'feed.update' then
      if type(c.patch) ~= 'table' then return 'feed.update without patch' end
    else
      return 'unknown op ' .. tostring(op)
    end
    return nil
  end

  -- A change this script cannot read stops the loop just before it, with nothing of it written: the
  -- worker then sets it aside (set-aside.lua) so that the changes behind it go on (one bad change
  -- never holds the feed).
  local blocked = ''

  -- The pending changes this call may apply, read in one HMGET (a call takes at most `batch`).
  local raws = {}
  if limit > applied then
    local fieldsWanted = {}
    for t = applied + 1, limit do table.insert(fieldsWanted, t) end
    raws = redis.call('HMGET', pending, unpack(fieldsWanted))
  end
  local first = applied
  -- Tickets applied in this call, deleted from the pending hash in one HDEL at the end.
  local done = {}

  while applied < limit do
    local raw = raws[applied + 1 - first]
    local c = nil
    if raw then
      local ok, decoded = pcall(cjson.decode, raw)
      if not ok then
        blocked = 'cannot decode: ' .. tostring(decoded)
        break
      end
      local why = unfit(decoded)
      if why then
        blocked = why
        break
      end
      c = decoded
    end
    applied = applied + 1
    if c then
      requestId = c.requestId
      if c.op == 'publish' then
        -- accept.lua refuses an id it has seen; an id stored all the same (by an older release, or
        -- by hand) in either hash leaves the change without effect. The write to the hash the
        -- entry goes to checks that one (HSETNX); the other is checked first.
        local e = c.entry
        local hidden = e.status == 'draft' or e.status == 'scheduled'
        if redis.call('HEXISTS', hidden and entries or drafts, e.id) == 0 then
          e.feedId = feedId
          e.revision = tonumber(c.rev) or 1
          e.publishedAt = c.at
          e.updatedAt = c.at
          if hidden then
            -- Kept for editors only: no seq, no event, not in any reader's read.
            if c.by ~= nil then e.by = writerId(c) end
            if redis.call('HSETNX', drafts, e.id, tidy(e)) == 1 then revise(c, e.id, e.revision, 'entry.drafted') end
          else
            e.status = 'published'
            e.publishAt = nil
            goLive(c, e, true)
          end
        end
      elseif c.op == 'update' then
        local cur = redis.call('HGET', entries, c.entryId)
        local draft = false
        if not cur then
          cur = redis.call('HGET', drafts, c.entryId)
          draft = cur ~= false
        end
        if cur then
          local e = cjson.decode(cur)
          local wasPinned = e.pinned == true
          local changed, content = false, false
          for _, k in ipairs(entryFields) do
            local v = c.patch[k]
            if v == cjson.null then
              if e[k] ~= nil then e[k] = nil; changed = true; content = content or contentField[k] == true end
            elseif v ~= nil and not same(e[k], v) then
              e[k] = v; changed = true; content = content or contentField[k] == true
            end
          end
          -- A correction is content: readers are shown it, with the entry marked updated.
          if type(c.patch.correction) == 'string' then
            if type(e.corrections) ~= 'table' then e.corrections = {} end
            table.insert(e.corrections, { at = c.at, text = c.patch.correction })
            changed, content = true, true
          end
          -- Scheduling a draft, moving its time, or cancelling back to a draft (accept.lua allowed it).
          local when = c.patch.publishAt
          if draft and when ~= nil then
            if when == cjson.null then e.publishAt = nil; e.status = 'draft'
            else e.publishAt = when; e.status = 'scheduled' end
            changed = true
          end
          -- Every accepted edit took a revision (If-Match counts on it, in the accepted hash); the
          -- entry carries it once the edit changes something.
          e.revision = revisionFor(c, e)
          if content then e.updatedAt = c.at end
          if changed and draft then
            redis.call('HSET', drafts, e.id, tidy(e))
            revise(c, e.id, e.revision, 'entry.updated')
          elseif changed then
            if e.pinned and not wasPinned then unpinOthers(c, e.id) end
            tidy(e)
            emit({ type = 'entry.updated', at = c.at, entry = e })
            redis.call('HSET', entries, e.id, tidy(e))
            if e.pinned then redis.call('SADD', pinned, e.id) else redis.call('SREM', pinned, e.id) end
            revise(c, e.id, e.revision, 'entry.updated')
          elseif draft then
            -- A draft has no readers: it keeps the revision its edit took.
            redis.call('HSET', drafts, e.id, tidy(e))
          end
          -- A published entry the edit left as it was is not written: readers hold the stored
          -- entry, and only an event (a seq) may change it, so that a reader at seq N holds what the
          -- store holds at N. A retried edit, sent again after a 503 during a failover, used to move
          -- the stored revision past theirs.
        end
      elseif c.op == 'release' then
        local cur = redis.call('HGET', drafts, c.entryId)
        if cur then
          local e = cjson.decode(cur)
          redis.call('HDEL', drafts, c.entryId)
          e.status = 'published'
          e.publishAt = nil
          e.by = nil
          e.revision = revisionFor(c, e)
          e.publishedAt = c.at
          e.updatedAt = c.at
          goLive(c, e)
        end
      elseif c.op == 'delete' then
        local cur = redis.call('HGET', entries, c.entryId)
        if cur then
          redis.call('HDEL', entries, c.entryId)
          revise(c, c.entryId, cjson.decode(cur).revision, 'entry.deleted')
          redis.call('ZREM', order, c.entryId)
          redis.call('SREM', pinned, c.entryId)
          emit({ type = 'entry.deleted', at = c.at, entryId = c.entryId })
        else
          -- A draft is discarded without an event: no reader ever saw it.
          cur = redis.call('HGET', drafts, c.entryId)
          if cur then
            redis.call('HDEL', drafts, c.entryId)
            revise(c, c.entryId, cjson.decode(cur).revision, 'entry.deleted')
          end
        end
      elseif c.op == 'feed.update' then
        -- A field counts as changed when given and different from what the feed holds
        -- (create-feed.lua stores every field, an absent description as '').
        local p = c.patch
        local changed = false
        for _, k in ipairs(feedFields) do
          local v = p[k]
          if v ~= nil and v ~= cjson.null and v ~= (redis.call('HGET', meta, k) or '') then
            redis.call('HSET', meta, k, v)
            changed = true
          end
        end
        if changed then
          redis.call('HSET', meta, 'updatedAt', c.at)
          emit({ type = 'feed.updated', at = c.at, feed = feedObject(c.at) })
        end
      end
      table.insert(done, applied)
    end
  end

  if #done > 0 then redis.call('HDEL', pending, unpack(done)) end
  redis.call('HSET', meta, 'applied', applied, 'seq', seq)
  -- The log is scored by seq, one event per seq: keeping the newest `keep` is dropping every
  -- score up to seq - keep, with no count to read first.
  if emitted > 0 and seq > keep then redis.call('ZREMRANGEBYSCORE', log, '-inf', seq - keep) end
  return {seq, emitted, applied, epoch, blocked, lastTicket, alerting}, applied >= lastTicket
end
