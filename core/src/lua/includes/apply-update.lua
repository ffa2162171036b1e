-- Applying an edit: the fields its patch gives (null clears one), a correction appended, or, for a
-- draft, its schedule set, moved or cancelled (accept.lua allowed it). A published entry the edit
-- changes takes an entry.updated with the next seq; a draft is rewritten without one.
--- @include "apply-change"

-- Whether two values of an entry's field are the same. Tables (author, media, embeds) as their
-- JSON: the same content decodes to the same text.
local function same(a, b)
  if type(a) == 'table' and type(b) == 'table' then return cjson.encode(a) == cjson.encode(b) end
  return a == b
end

local function unfitUpdate(c)
  if type(c.entryId) ~= 'string' or type(c.patch) ~= 'table' then return 'update without entryId and patch' end
  return nil
end

local function applyUpdate(x, c)
  local cur = redis.call('HGET', x.entries, c.entryId)
  local draft = false
  if not cur then
    cur = redis.call('HGET', x.drafts, c.entryId)
    draft = cur ~= false
  end
  if not cur then return end
  local e = cjson.decode(cur)
  local wasPinned = e.pinned == true
  local changed, content = false, false
  local contentField = x.s.contentField
  for _, k in ipairs(x.s.entryFields) do
    local v = c.patch[k]
    if v == cjson.null then
      if e[k] ~= nil then e[k] = nil; changed = true; content = content or contentField[k] == true end
    elseif v ~= nil and not same(e[k], v) then
      e[k] = v; changed = true; content = content or contentField[k] == true
    end
  end
  -- A correction is content: readers are shown it, with the entry marked updated.
  if type(c.patch.correction) == 'string' then
    if type(e.corrections) ~= 'table' then e.corrections = {} end
    table.insert(e.corrections, { at = c.at, text = c.patch.correction })
    changed, content = true, true
  end
  -- Scheduling a draft, moving its time, or cancelling back to a draft.
  local when = c.patch.publishAt
  if draft and when ~= nil then
    if when == cjson.null then e.publishAt = nil; e.status = 'draft'
    else e.publishAt = when; e.status = 'scheduled' end
    changed = true
  end
  -- Every accepted edit took a revision (If-Match counts on it, in the accepted hash); the
  -- entry carries it once the edit changes something.
  e.revision = revisionFor(x, c, e)
  if content then e.updatedAt = c.at end
  if changed and draft then
    redis.call('HSET', x.drafts, e.id, tidy(e))
    revise(x, c, e.id, e.revision, 'entry.updated')
  elseif changed then
    if e.pinned and not wasPinned then unpinOthers(x, c, e.id) end
    tidy(e)
    emit(x, { type = 'entry.updated', at = c.at, entry = e })
    redis.call('HSET', x.entries, e.id, tidy(e))
    if e.pinned then redis.call('SADD', x.pinned, e.id) else redis.call('SREM', x.pinned, e.id) end
    revise(x, c, e.id, e.revision, 'entry.updated')
  elseif draft then
    -- A draft has no readers: it keeps the revision its edit took.
    redis.call('HSET', x.drafts, e.id, tidy(e))
  end
  -- A published entry the edit left as it was is not written: readers hold the stored entry, and
  -- only an event (a seq) may change it, so that a reader at seq N holds what the store holds at
  -- N. A retried edit, sent again after a 503 during a failover, used to move the stored revision
  -- past theirs.
end
