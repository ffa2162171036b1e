-- A drain job takes its cluster slot's feeds behind: the slot's drain mark is marked taken
-- (`taken.<mark>`), so that a change accepted from now on asks for a new job (accept.lua), and the
-- feeds behind are read, in one atomic step: a change accepted before it found the mark set and
-- asked for no job, and its feed is in the set read here. A taken mark still says when its job
-- was asked for: accept.lua tells the workers of a change at once only where jobs come seldom.
-- The worker then applies each feed up to its current ticket; apply.lua takes a feed out of the
-- set once it caught up, so a drain that dies half-way leaves the rest there for the job's retry
-- or the sweep. (drain.lua alone, or apply.lua for the feed that asked for the job, in the same
-- step as its apply.)
--- @include "drain-mark"
local function takeDrain(drainMark, behind)
  takeMark(drainMark)
  return redis.call('SMEMBERS', behind)
end
