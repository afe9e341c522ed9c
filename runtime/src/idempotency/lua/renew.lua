-- KEYS[1] record; ARGV[1] lock token, ARGV[2] lock ttl (ms).
-- Returns 1 if the lock was extended, 0 if this token does not hold it.
local r = redis.call('HMGET', KEYS[1], 's', 't')
if r[1] ~= 'L' or r[2] ~= ARGV[1] then return 0 end
local t = redis.call('TIME')
redis.call('HSET', KEYS[1], 'e', tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) + tonumber(ARGV[2]))
return 1
