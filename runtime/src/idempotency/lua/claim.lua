-- KEYS[1] record; ARGV[1] fingerprint, ARGV[2] lock token, ARGV[3] lock ttl (ms),
-- ARGV[4] record ttl (ms), ARGV[5] '1' if an abandoned request may run again.
-- Returns {0} started, {1, status, headers, body or nil} replay, {2} in progress,
-- {3} mismatch, {4} abandoned. Lock expiry 'e' is in Redis's own clock, so the
-- servers' clocks do not matter.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local r = redis.call('HMGET', KEYS[1], 's', 'f', 'e')
if not r[1] then
  redis.call('HSET', KEYS[1], 's', 'L', 'f', ARGV[1], 't', ARGV[2], 'e', now + tonumber(ARGV[3]))
  redis.call('PEXPIRE', KEYS[1], ARGV[4])
  return {0}
end
if r[2] ~= ARGV[1] then return {3} end
if r[1] == 'L' then
  if now < (tonumber(r[3]) or 0) then return {2} end
  if ARGV[5] ~= '1' then return {4} end
  redis.call('HSET', KEYS[1], 't', ARGV[2], 'e', now + tonumber(ARGV[3]))
  redis.call('PEXPIRE', KEYS[1], ARGV[4])
  return {0}
end
local d = redis.call('HMGET', KEYS[1], 'c', 'h', 'b')
return {1, d[1], d[2], d[3]}
