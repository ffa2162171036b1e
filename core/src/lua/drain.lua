-- Take a slot's feeds behind for a drain job (includes/drain.lua), when the job does not name the
-- feed that asked for it (apply.lua takes them with that feed's apply otherwise).
-- KEYS: drain mark, behind (both of one cluster slot)
-- Returns the ids of the slot's feeds behind.
--- @include "drain"
return takeDrain(KEYS[1], KEYS[2])
