-- Applying a release: a draft or scheduled entry goes live, as an entry.published with the next
-- seq (docs/editorial.md). A release whose draft is gone (discarded, or released already) does
-- nothing.
--- @include "apply-change"
local function applyRelease(x, c)
  local cur = redis.call('HGET', x.drafts, c.entryId)
  if not cur then return end
  local e = cjson.decode(cur)
  redis.call('HDEL', x.drafts, c.entryId)
  e.status = 'published'
  e.publishAt = nil
  e.by = nil
  e.revision = revisionFor(x, c, e)
  e.publishedAt = c.at
  e.updatedAt = c.at
  goLive(x, c, e)
end
