-- The accepted state of an entry: what it will be once every change accepted so far is applied,
-- one JSON record per entry in the feed's `accepted` hash ({r, st, sv, by}; core/src/accepted-state.ts
-- declares it for TypeScript): `r` its revision (each accepted change of the entry takes the next
-- one, and carries it to apply.lua as `rev`), `st` its status (draft, scheduled, published), `sv`
-- its schedule version, `by` who created it. accept.lua checks If-Match and the contributor rule
-- against it, atomically with the ticket; apply.lua and set-aside.lua move it on.

-- The record, or nil when the entry has none (never accepted, retracted, or accepted before
-- accepted states were kept).
local function acceptedState(accepted, id)
  local raw = redis.call('HGET', accepted, id)
  if raw then return cjson.decode(raw) end
  return nil
end

local function keepAcceptedState(accepted, id, state)
  redis.call('HSET', accepted, id, cjson.encode({ r = state.r, st = state.st, sv = state.sv, by = state.by }))
end
