-- KEYS[1] record; ARGV[1] lock token, ARGV[2] lock ttl (ms).
-- Returns 1 if the lock was extended, 0 if this token does not hold it.
-- The record itself is kept at least as long as the lock: a handler that
-- runs past the record's ttl must not lose its record to Redis's expiry,
-- or a retry would start a second run.
local r = redis.call('HMGET', KEYS[1], 's', 't')
if r[1] ~= 'L' or r[2] ~= ARGV[1] then return 0 end
local lock = tonumber(ARGV[2])
local t = redis.call('TIME')
redis.call('HSET', KEYS[1], 'e', tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) + lock)
if redis.call('PTTL', KEYS[1]) < lock then redis.call('PEXPIRE', KEYS[1], lock) end
return 1
