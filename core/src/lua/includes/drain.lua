-- A drain job takes its cluster slot's feeds behind: the slot's drain mark is deleted, so that a
-- change accepted from now on asks for a new job (accept.lua), and the feeds behind are read, in
-- one atomic step: a change accepted before it found the mark set and asked for no job, and its
-- feed is in the set read here. The worker then applies each feed up to its current ticket;
-- apply.lua takes a feed out of the set once it caught up, so a drain that dies half-way leaves
-- the rest there for the job's retry or the sweep. (drain.lua alone, or apply.lua for the feed
-- that asked for the job, in the same step as its apply.)
local function takeDrain(drainMark, behind)
  redis.call('DEL', drainMark)
  return redis.call('SMEMBERS', behind)
end
