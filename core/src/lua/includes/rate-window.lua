-- A fixed-window rate limit (server/src/http/rate-limits.ts): `points` attempts per window of
-- `windowMs` under `key`, a counter that expires with its window. The window starts at its first
-- attempt. Counts one attempt and answers 0 while within the limit, else the ms until the window
-- ends (an attempt past the limit counts too, so a flood does not shorten its own wait).
-- rate-limit.lua counts one on its own; accept.lua counts a write in the same step as its accept.
local function spendRate(key, points, windowMs)
  local spent = redis.call('INCR', key)
  if spent == 1 then
    redis.call('PEXPIRE', key, windowMs)
    return 0
  end
  if spent <= points then return 0 end
  local left = redis.call('PTTL', key)
  if left < 0 then
    redis.call('PEXPIRE', key, windowMs)
    left = windowMs
  end
  return left
end
