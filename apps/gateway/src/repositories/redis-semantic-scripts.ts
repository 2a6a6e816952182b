import { createHash } from 'node:crypto';

/** Bytes of one posting: 4-byte big-endian entry number, then the entry's 4-byte LSH sketch. */
export const POSTING_BYTES = 8;

/**
 * Atomic add (EVALSHA, Redis 7 Lua, no modules). KEYS: v (records + meta fields "n", "lo"), e (texts), p
 * (postings). ARGV: ttlMs, maxPerBucket, maxEvictions, nowMs, maxPostings, externalId, record, textTail,
 * sketch (4 bytes), bands, signatureBytes.
 *
 * - The entry gets the next number of the bucket (HINCRBY v n), so numbers follow insertion order and every
 *   posting list (one per band signature, field = band byte + signature bytes) stays sorted ascending.
 * - Re-adding an external id removes its previous entry first (exactly, postings included).
 * - A posting list longer than maxPostings drops its oldest postings (bounds memory and the bytes a lookup
 *   reads; those entries stay reachable through their other bands).
 * - Eviction walks from "lo" (oldest possibly live number): while the bucket is over maxPerBucket or the oldest
 *   record is older than the TTL, the entry is removed from its postings, records and texts; at most
 *   maxEvictions steps per add. Every key then gets the TTL again.
 * Returns the number of entries in the bucket.
 */
export const ADD_LUA = `
local v, e, p = KEYS[1], KEYS[2], KEYS[3]
local ttl = tonumber(ARGV[1])
local maxn = tonumber(ARGV[2])
local maxev = tonumber(ARGV[3])
local now = tonumber(ARGV[4])
local cap = tonumber(ARGV[5])
local ext, rec, tail, sk = ARGV[6], ARGV[7], ARGV[8], ARGV[9]
local nb = tonumber(ARGV[10])
local sb = tonumber(ARGV[11])
local W = ${POSTING_BYTES}

local function field(r, b)
  local o = 9 + b * sb
  return string.char(b) .. string.sub(r, o, o + sb - 1)
end

-- Removes entry number \`id\` from the postings of its bands (binary search: postings are sorted).
local function unpost(r, id)
  local fields = {}
  for b = 0, nb - 1 do fields[b + 1] = field(r, b) end
  local lists = redis.call('HMGET', p, unpack(fields))
  local kv, gone = {}, {}
  for b = 1, nb do
    local s = lists[b]
    if s then
      local lo, hi = 0, #s / W - 1
      while lo <= hi do
        local mid = math.floor((lo + hi) / 2)
        local x = struct.unpack('>I4', s, mid * W + 1)
        if x == id then
          if #s == W then
            gone[#gone + 1] = fields[b]
          else
            kv[#kv + 1] = fields[b]
            kv[#kv + 1] = string.sub(s, 1, mid * W) .. string.sub(s, mid * W + W + 1)
          end
          break
        elseif x < id then
          lo = mid + 1
        else
          hi = mid - 1
        end
      end
    end
  end
  if #kv > 0 then redis.call('HSET', p, unpack(kv)) end
  if #gone > 0 then redis.call('HDEL', p, unpack(gone)) end
end

local function drop(id4, id, r)
  unpost(r, id)
  redis.call('HDEL', v, id4)
  local o = 9 + nb * sb
  local len = struct.unpack('<I2', r, o)
  local x = string.sub(r, o + 2, o + 1 + len)
  local t = redis.call('HGET', e, x)
  if t and string.sub(t, 1, 4) == id4 then redis.call('HDEL', e, x) end
end

local id = redis.call('HINCRBY', v, 'n', 1)
if id == 1 then
  redis.call('DEL', e, p)
  redis.call('HSET', v, 'lo', 1)
end
local id4 = struct.pack('>I4', id)
local old = redis.call('HGET', e, ext)
if old then
  local oid4 = string.sub(old, 1, 4)
  local orec = redis.call('HGET', v, oid4)
  if orec then drop(oid4, struct.unpack('>I4', oid4), orec) end
end
redis.call('HSET', v, id4, rec)
redis.call('HSET', e, ext, id4 .. tail)
local ent = id4 .. sk
local fields = {}
for b = 0, nb - 1 do fields[b + 1] = field(rec, b) end
local lists = redis.call('HMGET', p, unpack(fields))
local kv = {}
for b = 1, nb do
  local s = lists[b]
  if s then
    if #s >= cap * W then s = string.sub(s, #s - (cap - 1) * W + 1) end
    s = s .. ent
  else
    s = ent
  end
  kv[2 * b - 1] = fields[b]
  kv[2 * b] = s
end
redis.call('HSET', p, unpack(kv))

local count = redis.call('HLEN', v) - 2
local lo = tonumber(redis.call('HGET', v, 'lo'))
local expired = now - ttl
local steps = 0
while lo < id and steps < maxev do
  local lo4 = struct.pack('>I4', lo)
  local r = redis.call('HGET', v, lo4)
  if r then
    if count <= maxn and struct.unpack('<d', r, 1) > expired then break end
    drop(lo4, lo, r)
    count = count - 1
  end
  lo = lo + 1
  steps = steps + 1
end
redis.call('HSET', v, 'lo', lo)
redis.call('PEXPIRE', v, ttl)
redis.call('PEXPIRE', e, ttl)
redis.call('PEXPIRE', p, ttl)
return count
`;

export const ADD_SHA = createHash('sha1').update(ADD_LUA).digest('hex');
