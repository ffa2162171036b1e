-- The feed leaves its slot's set of feeds with outputs due, if the outputs' cursor (ARGV[1],
-- read before this call: it only moves forward, so an old reading errs towards staying) has
-- reached the feed's seq. In one script with apply.lua's SADD, so an event emitted after the
-- cursor was read keeps the feed in the set.
-- KEYS: meta, outputsDue. ARGV: cursor, feed id. Returns 1 when the feed left, 0 otherwise.
local seq = tonumber(redis.call('HGET', KEYS[1], 'seq') or '0')
if seq <= tonumber(ARGV[1]) then
  redis.call('SREM', KEYS[2], ARGV[2])
  return 1
end
return 0
