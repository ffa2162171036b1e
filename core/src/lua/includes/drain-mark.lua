-- A cluster slot's drain mark, one string: `<ms>.<feed>.<ticket>` of the accept that asked for the
-- slot's drain job, while that job waits (accept.lua sets it), and `taken.<that mark>` once a drain
-- job took the slot's feeds behind (includes/drain.lua). Its shape is read and written here only;
-- FeedStore.overdueSlots reads a waiting mark's time as `waitingSince` does.
local TAKEN = 'taken.'

-- When a waiting mark's job was asked for (ms); nil for a taken mark, none, or any other value.
local function waitingSince(mark)
  return mark and tonumber(string.match(mark, '^%d+'))
end

-- When the slot's last job was asked for (ms), its mark taken or not; nil when that is unknown.
local function askedSince(mark)
  if mark and string.sub(mark, 1, #TAKEN) == TAKEN then return waitingSince(string.sub(mark, #TAKEN + 1)) end
  return waitingSince(mark)
end

-- An accept asks for the slot's drain job: the mark that names it (the job's id is made from it).
local function askFor(drainMark, now, feedId, ticket)
  local mark = now .. '.' .. feedId .. '.' .. ticket
  redis.call('SET', drainMark, mark)
  return mark
end

-- A drain job took the slot: its mark, if one waits, is marked taken.
local function takeMark(drainMark)
  local mark = redis.call('GET', drainMark)
  if mark and string.sub(mark, 1, #TAKEN) ~= TAKEN then redis.call('SET', drainMark, TAKEN .. mark) end
end
