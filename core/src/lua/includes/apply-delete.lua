-- Applying a retraction: a published entry leaves the entries, the order and the pinned set with
-- an entry.deleted event; a draft is discarded without one (no reader ever saw it). Either way its
-- history keeps the retraction.
--- @include "apply-change"
local function applyDelete(x, c)
  local cur = redis.call('HGET', x.entries, c.entryId)
  if cur then
    redis.call('HDEL', x.entries, c.entryId)
    revise(x, c, c.entryId, cjson.decode(cur).revision, 'entry.deleted')
    redis.call('ZREM', x.order, c.entryId)
    redis.call('SREM', x.pinned, c.entryId)
    emit(x, { type = 'entry.deleted', at = c.at, entryId = c.entryId })
    return
  end
  cur = redis.call('HGET', x.drafts, c.entryId)
  if cur then
    redis.call('HDEL', x.drafts, c.entryId)
    revise(x, c, c.entryId, cjson.decode(cur).revision, 'entry.deleted')
  end
end
