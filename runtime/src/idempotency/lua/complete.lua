-- KEYS[1] record; ARGV[1] lock token, ARGV[2] status, ARGV[3] headers, ARGV[4] body,
-- ARGV[5] '1' if the body is kept, ARGV[6] ttl (ms).
-- Returns 1 if stored, 0 if this token does not hold the lock (another
-- request took an abandoned lock over). An expired lock still held by this
-- token is completed: its request was slow, not gone, and this is its outcome.
local r = redis.call('HMGET', KEYS[1], 's', 't')
if r[1] ~= 'L' or r[2] ~= ARGV[1] then return 0 end
redis.call('HDEL', KEYS[1], 't', 'e')
if ARGV[5] == '1' then
  redis.call('HSET', KEYS[1], 's', 'D', 'c', ARGV[2], 'h', ARGV[3], 'b', ARGV[4])
else
  redis.call('HSET', KEYS[1], 's', 'D', 'c', ARGV[2], 'h', ARGV[3])
end
redis.call('PEXPIRE', KEYS[1], ARGV[6])
return 1
