-- The accepted state of an entry: what it will be once every change accepted so far is applied,
-- one JSON record per entry in the feed's `accepted` hash ({r, st, sv, by}; core/src/accepted-state.ts
-- declares it for TypeScript): `r` its revision (each accepted change of the entry takes the next
-- one, and carries it to apply.lua as `rev`), `st` its status (draft, scheduled, published), `sv`
-- its schedule version, `by` who created it. accept.lua checks If-Match and the contributor rule
-- against it, atomically with the ticket; apply.lua and set-aside.lua move it on.

-- An entry whose id is taken and not retracted (the `ids` hash) but that has no record is a
-- published one at its stored revision, 1 until the worker stores it: accept.lua keeps no record
-- for a new published entry (one write less per publish), nor did releases before records existed.
-- feed-store.ts (acceptedRevision) reads it the same way.

-- The record, or nil when the entry has none (never accepted, retracted, or published and not
-- changed since).
local function acceptedState(accepted, id)
  local raw = redis.call('HGET', accepted, id)
  if raw then return cjson.decode(raw) end
  return nil
end

local function keepAcceptedState(accepted, id, state)
  redis.call('HSET', accepted, id, cjson.encode({ r = state.r, st = state.st, sv = state.sv, by = state.by }))
end
