-- KEYS: meta   ARGV: id, title, description, createdAt, visibility, epoch, coverageStartTime ('' = none)
-- The feed index lives in another cluster slot, so the store adds the id to it separately.
-- A new feed starts a new epoch: a feed recreated after a wipe never shares one with its past.
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'id', ARGV[1], 'title', ARGV[2], 'description', ARGV[3], 'status', 'live', 'visibility', ARGV[5],
  'seq', 0, 'ticket', 0, 'applied', 0, 'createdAt', ARGV[4], 'updatedAt', ARGV[4], 'epoch', ARGV[6])
if ARGV[7] ~= '' then redis.call('HSET', KEYS[1], 'coverageStartTime', ARGV[7]) end
return 1
