-- KEYS[1] record; ARGV[1] lock token, ARGV[2] status, ARGV[3] content type, ARGV[4] body, ARGV[5] ttl (ms)
-- Returns 1 if stored, 0 if the lock is no longer held by this token.
local r = redis.call('HMGET', KEYS[1], 's', 't')
if r[1] ~= 'L' or r[2] ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 's', 'D', 'c', ARGV[2], 'y', ARGV[3], 'b', ARGV[4])
redis.call('HDEL', KEYS[1], 't')
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return 1
