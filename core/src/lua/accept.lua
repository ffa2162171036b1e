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
--       writes the writer's rate-limit window allows (0: not counted here) and the window (ms),
--       the nudge channel ('' for none) and how long (ms) a slot must have asked for no job
--       before its next job's feed is published on it
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
-- The nudge: where a slot's jobs come seldom (the last was asked for longer ago than the given
-- time, as the mark says, taken or not), the feed of the change that asks for one is published on
-- the nudge channel too, and a worker applies it at once, without waiting for BullMQ to hand
-- the job out. The job still comes, and finds the feed applied. Where jobs come often, a worker
-- is busy with one anyway, and each change waits for the next job as before (group commit).
--
-- What each operation checks and keeps is in includes/accept-entry.lua (`operation`).
--- @include "accept-entry"
--- @include "rate-window"
--- @include "drain-mark"
local meta, pending, ids, idem, accepted, entries, behind, drainMark, rate =
  KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6], KEYS[7], KEYS[8], KEYS[9]
local op, change = ARGV[1], ARGV[2]
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
-- A feed with a change accepted and not applied is in its slot's `behind` set already: the accept
-- of that change added it, and only an apply that leaves the feed caught up (applied reaches its
-- last ticket, in the same script) takes it out. So under load, when a feed's changes come faster
-- than they are applied, its accepts skip the SADD.
local wasBehind = current > tonumber(head[4] or '0')

-- The accept, as the operations' checks read it (includes/accept-entry.lua).
local a = {
  meta = meta, ids = ids, idem = idem, accepted = accepted, entries = entries, drainMark = drainMark,
  entryId = ARGV[3], hash = ARGV[4], ttl = tonumber(ARGV[5]), ifMatch = ARGV[6], role = ARGV[7],
  actor = ARGV[8], newStatus = ARGV[9], releaseFor = ARGV[10], current = current,
  ended = head[3] == 'ended', state = nil, prevId = nil,
}
local check, keep = operation(op)
if check then
  local refused = check(a)
  if refused then return refused end
end

local ticket = redis.call('HINCRBY', meta, 'ticket', 1)
if a.state then
  -- The change carries its revision to the apply script (the JSON is an object: '{' first).
  change = '{"rev":' .. a.state.r .. ',' .. string.sub(change, 2)
end
redis.call('HSET', pending, ticket, change)
if keep then keep(a) end
local r, sv = 0, 0
if a.state then r, sv = a.state.r, a.state.sv end
if not wasBehind then redis.call('SADD', behind, feedId) end
local mark = redis.call('GET', drainMark)
local markedAt = waitingSince(mark)
local job = ''
if (not markedAt) or math.abs(now - markedAt) > markAge then
  job = askFor(drainMark, now, feedId, ticket)
  local nudge, quiet = ARGV[16], tonumber(ARGV[17])
  local askedAt = askedSince(mark)
  if nudge ~= '' and ((not askedAt) or math.abs(now - askedAt) > quiet) then
    redis.call('PUBLISH', nudge, feedId)
  end
end
return {'ok', ticket, '', r, sv, job}
