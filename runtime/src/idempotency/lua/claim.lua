-- KEYS[1] record; ARGV[1] fingerprint, ARGV[2] lock token, ARGV[3] lock ttl (ms)
-- Returns {0} started, {1, status, content type, body} replay, {2} in progress, {3} mismatch.
local r = redis.call('HMGET', KEYS[1], 's', 'f', 'c', 'y', 'b')
if not r[1] then
  redis.call('HSET', KEYS[1], 's', 'L', 'f', ARGV[1], 't', ARGV[2])
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
  return {0}
end
if r[2] ~= ARGV[1] then return {3} end
if r[1] == 'L' then return {2} end
return {1, r[3], r[4], r[5]}
