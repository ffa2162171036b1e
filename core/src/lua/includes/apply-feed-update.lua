-- Applying a feed's change (its title, description, status, visibility): a field counts as
-- changed when given and different from what the feed holds (create-feed.lua stores every field,
-- an absent description as ''); any change is one feed.updated event with the feed as it is now.
--- @include "apply-change"

-- The feed as readers get it in a feed.updated event, at the seq that event is about to take.
local function feedObject(x, at)
  local f = redis.call('HMGET', x.meta, 'title', 'description', 'status', 'createdAt', 'visibility')
  local o = { id = x.feedId, title = f[1], status = f[3], seq = x.seq + 1, createdAt = f[4], updatedAt = at,
    visibility = f[5] or 'public' }
  if f[2] and f[2] ~= '' then o.description = f[2] end
  return o
end

local function unfitFeedUpdate(c)
  if type(c.patch) ~= 'table' then return 'feed.update without patch' end
  return nil
end

local function applyFeedUpdate(x, c)
  local p = c.patch
  local changed = false
  for _, k in ipairs(x.s.feedFields) do
    local v = p[k]
    if v ~= nil and v ~= cjson.null and v ~= (redis.call('HGET', x.meta, k) or '') then
      redis.call('HSET', x.meta, k, v)
      changed = true
    end
  end
  if changed then
    redis.call('HSET', x.meta, 'updatedAt', c.at)
    emit(x, { type = 'feed.updated', at = c.at, feed = feedObject(x, c.at) })
  end
end
