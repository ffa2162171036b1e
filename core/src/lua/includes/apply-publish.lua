-- Applying a publish: a new entry, published (it goes live with the next seq) or kept for editors
-- as a draft or a scheduled entry (no seq, no event, not in any reader's read).
--- @include "apply-change"
local function unfitPublish(c)
  if type(c.entry) ~= 'table' or type(c.entry.id) ~= 'string' then return 'publish without an entry' end
  return nil
end

local function applyPublish(x, c)
  -- accept.lua refuses an id it has seen; an id stored all the same (by an older release, or
  -- by hand) in either hash leaves the change without effect. The write to the hash the entry
  -- goes to checks that one (HSETNX); the other is checked first.
  local e = c.entry
  local hidden = e.status == 'draft' or e.status == 'scheduled'
  if redis.call('HEXISTS', hidden and x.entries or x.drafts, e.id) == 1 then return end
  e.feedId = x.feedId
  e.revision = tonumber(c.rev) or 1
  e.publishedAt = c.at
  e.updatedAt = c.at
  if hidden then
    if c.by ~= nil then e.by = writerId(c) end
    if redis.call('HSETNX', x.drafts, e.id, tidy(e)) == 1 then revise(x, c, e.id, e.revision, 'entry.drafted') end
  else
    e.status = 'published'
    e.publishAt = nil
    goLive(x, c, e, true)
  end
end
