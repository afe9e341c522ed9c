-- KEYS[1] record; ARGV[1] lock token. Returns 1 if released, 0 if not held.
local r = redis.call('HMGET', KEYS[1], 's', 't')
if r[1] == 'L' and r[2] == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0
