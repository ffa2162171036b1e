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
-- the writer's id, or {id, name} when the name is not the id), trimmed to `revKeep` records.
-- Each operation is applied by an include of its own (apply-publish, apply-update, apply-release,
-- apply-delete, apply-feed-update), built on what they share (includes/apply-change.lua); this
-- include reads the feed and its pending changes, hands each change to its operation in ticket
-- order, and writes back where the feed got to.
-- How a call lays out its keys, values and answer (APPLY_SETTINGS, APPLY_FEED_ARGS,
-- APPLY_FEED_KEYS, APPLIED_VALUES) comes from scripts.ts, which builds the calls and reads the answers.
--- @include "apply-layout"
--- @include "epoch"
--- @include "apply-publish"
--- @include "apply-update"
--- @include "apply-release"
--- @include "apply-delete"
--- @include "apply-feed-update"

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

-- A change's operation: its check and its application (the operation's include).
local function operation(op)
  if op == 'publish' then return unfitPublish, applyPublish end
  if op == 'update' then return unfitUpdate, applyUpdate end
  if op == 'release' then return unfitEntryChange, applyRelease end
  if op == 'delete' then return unfitEntryChange, applyDelete end
  if op == 'feed.update' then return unfitFeedUpdate, applyFeedUpdate end
  return nil, nil
end

-- Why a decoded change cannot be applied (nil when it can): checked before anything of it is
-- written, because a Lua error half-way would leave part of the change stored.
local function unfit(c)
  if type(c) ~= 'table' then return 'the change is not a JSON object' end
  local check = operation(c.op)
  if check == nil then return 'unknown op ' .. tostring(c.op) end
  return check(c)
end

-- The feed's keys are KEYS[at] on (9 of them): meta, entries, order, pinned, log, pending,
-- channel, drafts, accepted. `f`: feedArgs, `s`: applySettings.
-- Returns {seq, events emitted, last ticket applied, epoch, why the next one cannot be applied
-- ('' if it can), the feed's last accepted ticket, 1 if an event emitted may make an alert (else
-- 0)}: APPLIED_VALUES of them, and whether the feed is caught up (or gone): then it leaves its
-- slot's `behind` set.
local function applyFeed(at, f, s)
  local meta, pending, log = KEYS[at], KEYS[at + 5], KEYS[at + 4]

  local head = redis.call('HMGET', meta, 'id', 'applied', 'seq', 'ticket', 'epoch')
  local feedId = head[1]
  if not feedId then return {0, 0, 0, '', '', 0, 0}, true end
  local applied = tonumber(head[2] or '0')
  local lastTicket = tonumber(head[4] or '0')
  -- The feed as its changes move it on (includes/apply-change.lua).
  local x = {
    meta = meta, entries = KEYS[at + 1], order = KEYS[at + 2], pinned = KEYS[at + 3], log = log,
    channel = KEYS[at + 6], drafts = KEYS[at + 7], accepted = KEYS[at + 8],
    feedId = feedId, s = s, revPrefix = f.revPrefix,
    seq = tonumber(head[3] or '0'), emitted = 0, alerting = 0, requestId = nil,
  }
  -- The log's epoch (docs/delivery-guarantees.md#lost-history-the-epoch), stamped on every event. A
  -- feed from before epochs gets the fresh one. A worker that saw this epoch at a seq the feed is now
  -- behind of proves history was lost (a restore, a failover behind): the epoch changes before
  -- anything new takes those seqs again.
  x.epoch = epochOf(meta, head[5], s.fresh)
  if x.epoch == f.heldEpoch and x.seq < f.heldSeq then x.epoch = takeEpoch(meta, s.fresh) end
  local limit = math.min(math.max(f.upto, lastTicket), applied + s.batch)

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
      x.requestId = c.requestId
      local _, apply = operation(c.op)
      apply(x, c)
      table.insert(done, applied)
    end
  end

  if #done > 0 then redis.call('HDEL', pending, unpack(done)) end
  redis.call('HSET', meta, 'applied', applied, 'seq', x.seq)
  -- The log is scored by seq, one event per seq: keeping the newest `keep` is dropping every
  -- score up to seq - keep, with no count to read first.
  if x.emitted > 0 and x.seq > s.keep then redis.call('ZREMRANGEBYSCORE', log, '-inf', x.seq - s.keep) end
  return {x.seq, x.emitted, applied, x.epoch, blocked, lastTicket, x.alerting}, applied >= lastTicket
end
