-- Count one attempt against a rate limit (includes/rate-window.lua).
-- KEYS: the counter
-- ARGV: the attempts a window allows, the window (ms)
-- Returns 0 within the limit, else the ms until the window ends.
--- @include "rate-window"
return spendRate(KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]))
