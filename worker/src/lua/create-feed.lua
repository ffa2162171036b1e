-- KEYS: meta, feed index   ARGV: id, title, description, createdAt, createdAt ms, visibility
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'id', ARGV[1], 'title', ARGV[2], 'description', ARGV[3], 'status', 'live', 'visibility', ARGV[6],
  'seq', 0, 'ticket', 0, 'applied', 0, 'createdAt', ARGV[4], 'updatedAt', ARGV[4])
redis.call('ZADD', KEYS[2], ARGV[5], ARGV[1])
return 1
