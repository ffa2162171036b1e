-- A feed's head -- its seq, its log's epoch and the `at` of the event at that seq -- checked
-- against what a watcher holds (a relay: the epoch, the seq it delivered last and that event's
-- `at`). History was lost when, in the same epoch, the feed is behind what was held, or the log
-- has another event at the held seq (a restore, or a failover to a lagging replica, followed by
-- new writes that took the seq past it). Then the epoch changes here, atomically, and only if
-- it is still the held one, so two watchers noticing the same loss change it once.
-- A feed from before epochs gets the fresh one here (includes/epoch.lua, as in every script that reads it).
-- KEYS: meta, log   ARGV: a fresh epoch, held epoch ('' for none), held seq, held event's `at` ('' for none)
-- Returns {exists (0/1), seq, epoch, `at` of the event at seq ('' when not in the log), rotated (0/1)}
--- @include "epoch"
local meta, log = KEYS[1], KEYS[2]
local fresh, held, heldSeq, heldAt = ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[4]
if redis.call('EXISTS', meta) == 0 then return {0, 0, '', '', 0} end
local seq = tonumber(redis.call('HGET', meta, 'seq') or '0')
local epoch = epochOf(meta, redis.call('HGET', meta, 'epoch'), fresh)

local function atOf(s)
  if s < 1 then return '' end
  local m = redis.call('ZRANGE', log, s, s, 'BYSCORE')
  if #m == 0 then return '' end
  local ok, ev = pcall(cjson.decode, m[1])
  if ok and type(ev) == 'table' and type(ev.at) == 'string' then return ev.at end
  return ''
end

local rotated = 0
if held ~= '' and held == epoch then
  local lost = seq < heldSeq
  if not lost and heldAt ~= '' then
    local at = atOf(heldSeq)
    -- An event trimmed from the log cannot be compared: not taken as a loss.
    lost = at ~= '' and at ~= heldAt
  end
  if lost and epoch ~= fresh then
    epoch = takeEpoch(meta, fresh)
    rotated = 1
  end
end
return {1, seq, epoch, atOf(seq), rotated}
