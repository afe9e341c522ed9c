-- apishield: one rate-limit decision, atomically, on the Redis server's clock.
--
-- KEYS[i]                   the state of window i for the key being limited
-- ARGV[1]                   algorithm: 1 token bucket, 2 sliding window
--                           (weighted counter), 3 sliding log
-- ARGV[2]                   cost in units (0 reads without counting)
-- ARGV[3i], [3i+1], [3i+2]  window i: rate R (units per period), period P
--                           (ms), capacity C (the burst for a token bucket,
--                           the limit otherwise)
--
-- Returns { allowed (0 or 1), now_ms, and per window: remaining,
-- reset_after_ms (time until more units are available, 0 when full),
-- retry_after_ms (time until the request would fit, 0 when it fits) }.
--
-- A request passes only if every window has room; a refused request writes
-- nothing. Every key written gets a TTL equal to the time after which its
-- state no longer matters, so Redis memory stays bounded by the active keys.
-- This mirrors src/rate_limit/algorithm.rs; all quantities are integers
-- below 2^53 (R, C <= 10^6, P <= 31 days), which Lua's doubles hold
-- exactly, and every division goes through idiv/cdiv, which correct the
-- double quotient to the exact integer one.

if redis.replicate_commands then
  pcall(redis.replicate_commands) -- Redis < 5: TIME before writes needs effects replication
end

local function idiv(a, b)
  local q = math.floor(a / b)
  while q * b > a do q = q - 1 end
  while (q + 1) * b <= a do q = q + 1 end
  return q
end

local function cdiv(a, b)
  local q = idiv(a, b)
  if q * b < a then q = q + 1 end
  return q
end

local time = redis.call('TIME')
local now_us = tonumber(time[1]) * 1000000 + tonumber(time[2])
local now = tonumber(time[1]) * 1000 + idiv(tonumber(time[2]), 1000)

local algo = tonumber(ARGV[1])
local cost = tonumber(ARGV[2])
local n = #KEYS
local R, P, C = {}, {}, {}
for i = 1, n do
  R[i] = tonumber(ARGV[3 * i])
  P[i] = tonumber(ARGV[3 * i + 1])
  C[i] = tonumber(ARGV[3 * i + 2])
end

local out = { 0, now }
local allowed = true

if algo == 1 then
  -- Token bucket. State "tokens:last": tokens scaled by P (so a refill of R
  -- per P ms adds exactly R per ms), as of time `last`.
  local avail, at = {}, {}
  for i = 1, n do
    local full = C[i] * P[i]
    avail[i], at[i] = full, now
    local raw = redis.call('GET', KEYS[i])
    if raw then
      local tokens, last = string.match(raw, '^(%d+):(%d+)$')
      if tokens then
        last = tonumber(last)
        if last > now then at[i] = last end -- the clock went back: time stands still
        local elapsed = at[i] - last
        local fill = cdiv(full, R[i])
        if elapsed > fill then elapsed = fill end
        avail[i] = math.min(full, tonumber(tokens) + elapsed * R[i])
      end
    end
    if avail[i] < cost * P[i] then allowed = false end
  end
  for i = 1, n do
    local p, full = P[i], C[i] * P[i]
    local fits = avail[i] >= cost * p
    if allowed and cost > 0 then
      avail[i] = avail[i] - cost * p
      redis.call('SET', KEYS[i], string.format('%d:%d', avail[i], at[i]), 'PX', cdiv(full - avail[i], R[i]) + 1)
    end
    local remaining = idiv(avail[i], p)
    local reset, retry = 0, 0
    if avail[i] < full then reset = cdiv((remaining + 1) * p - avail[i], R[i]) end
    if not fits then retry = cdiv(cost * p - avail[i], R[i]) end
    out[#out + 1] = remaining
    out[#out + 1] = reset
    out[#out + 1] = retry
  end
elseif algo == 2 then
  -- Weighted sliding counter. State "window:prev:cur", windows aligned on
  -- multiples of P since the epoch; the estimate, scaled by P, is
  -- prev * (P - elapsed) + cur * P.
  local function time_until(prev, cur, p, cap, elapsed, k)
    local budget = (cap - k) * p
    local left = p - elapsed
    if cur * p <= budget then
      local est = prev * left + cur * p
      if est <= budget then return 0 end
      local d = cdiv(est - budget, prev)
      if d < left then return d end
    end
    local need, d = cur * p, 0
    if need > budget then d = cdiv(need - budget, cur) end
    return left + d
  end
  local st = {}
  for i = 1, n do
    local p = P[i]
    local w = idiv(now, p)
    local prev, cur = 0, 0
    local raw = redis.call('GET', KEYS[i])
    if raw then
      local sw, sprev, scur = string.match(raw, '^(%d+):(%d+):(%d+)$')
      if sw then
        sw = tonumber(sw)
        if w <= sw then
          w, prev, cur = sw, tonumber(sprev), tonumber(scur) -- same window (or the clock went back)
        elseif w == sw + 1 then
          prev = tonumber(scur)
        end
      end
    end
    local elapsed = now - w * p
    if elapsed < 0 then elapsed = 0 end
    st[i] = { w, prev, cur, elapsed }
    if prev * (p - elapsed) + (cur + cost) * p > C[i] * p then allowed = false end
  end
  for i = 1, n do
    local w, prev, cur, elapsed = st[i][1], st[i][2], st[i][3], st[i][4]
    local p, cap = P[i], C[i]
    local fits = prev * (p - elapsed) + (cur + cost) * p <= cap * p
    if allowed and cost > 0 then
      cur = cur + cost
      redis.call('SET', KEYS[i], string.format('%d:%d:%d', w, prev, cur), 'PX', (w + 2) * p - now)
    end
    local est = prev * (p - elapsed) + cur * p
    local remaining, reset, retry = 0, 0, 0
    if cap * p > est then remaining = idiv(cap * p - est, p) end
    if est > 0 then reset = time_until(prev, cur, p, cap, elapsed, remaining + 1) end
    if not fits then retry = time_until(prev, cur, p, cap, elapsed, cost) end
    out[#out + 1] = remaining
    out[#out + 1] = reset
    out[#out + 1] = retry
  end
else
  -- Exact sliding log: a sorted set of admitted units scored by time; one
  -- counts while now < score + P.
  local function time_until(key, count, p, cap, k)
    local excess = count + k - cap
    if excess <= 0 then return 0 end
    local entry = redis.call('ZRANGE', key, excess - 1, excess - 1, 'WITHSCORES')
    if entry[2] == nil then return p end
    local t = tonumber(entry[2]) + p - now
    if t < 0 then t = 0 end
    return t
  end
  local count = {}
  for i = 1, n do
    redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', now - P[i])
    count[i] = redis.call('ZCARD', KEYS[i])
    if count[i] + cost > C[i] then allowed = false end
  end
  for i = 1, n do
    local p, cap = P[i], C[i]
    local fits = count[i] + cost <= cap
    if allowed and cost > 0 then
      -- Members are unique per call (microsecond time, size before, index);
      -- ZADD in batches, as unpack has a stack limit.
      local j = 1
      while j <= cost do
        local batch = {}
        local last = math.min(cost, j + 499)
        for m = j, last do
          batch[#batch + 1] = now
          batch[#batch + 1] = string.format('%d-%d-%d', now_us, count[i], m)
        end
        redis.call('ZADD', KEYS[i], unpack(batch))
        j = last + 1
      end
      redis.call('PEXPIRE', KEYS[i], p)
      count[i] = count[i] + cost
    end
    local remaining, reset, retry = cap - count[i], 0, 0
    if remaining < 0 then remaining = 0 end
    if count[i] > 0 then reset = time_until(KEYS[i], count[i], p, cap, remaining + 1) end
    if not fits then retry = time_until(KEYS[i], count[i], p, cap, cost) end
    out[#out + 1] = remaining
    out[#out + 1] = reset
    out[#out + 1] = retry
  end
end

if allowed then out[1] = 1 end
return out
