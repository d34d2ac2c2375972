/**
 * Lua scripts that save Redis round trips while keeping kombu's data layout. Named by what they do
 * and how many keys they take (the number is in each definition).
 */
import type { Redis } from "ioredis";

/**
 * Publish in one round trip: read the exchange's binding set, match the routing key against each
 * stored regex and LPUSH one copy per matched queue. kombu's regexes use a tiny subset (escaped
 * literals, `.*?` and `.*?[^\.]`, anchors), translated here to Lua patterns with the same matches
 * (`.-` is Lua's lazy `.*?`). A stored regex outside that subset makes the script return -1 before
 * writing anything, and the caller routes with the real regex in JavaScript instead.
 * KEYS[1] binding set; ARGV[1] routing key, ARGV[2] envelope, ARGV[3] priority suffix.
 */
const ROUTE_AND_PUSH = `
local function translate(p)
  if string.sub(p, 1, 1) ~= '^' or string.sub(p, -1) ~= '$' then return nil end
  local out = {'^'}
  local i, n = 2, #p - 1
  while i <= n do
    local c = string.sub(p, i, i)
    if string.sub(p, i, i + 7) == '.*?[^\\\\.]' then
      out[#out + 1] = '.-[^%.]'; i = i + 8
    elseif string.sub(p, i, i + 2) == '.*?' then
      out[#out + 1] = '.-'; i = i + 3
    elseif c == '\\\\' then
      local d = string.sub(p, i + 1, i + 1)
      if d == '' or string.find(d, '^%w') then return nil end
      out[#out + 1] = '%' .. d; i = i + 2
    elseif string.find(c, '^%w') or string.byte(c) >= 128 then
      out[#out + 1] = c; i = i + 1
    else
      return nil
    end
  end
  out[#out + 1] = '$'
  return table.concat(out)
end

local sep = '\\6\\22'
local rk = ARGV[1]
local seen, queues = {}, {}
for _, m in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local a = string.find(m, sep, 1, true)
  local b = a and string.find(m, sep, a + 2, true)
  if b then
    local key, pattern, queue = string.sub(m, 1, a - 1), string.sub(m, a + 2, b - 1), string.sub(m, b + 2)
    local hit
    if pattern == '' then
      hit = key == rk
    else
      local lp = translate(pattern)
      if not lp then return -1 end
      hit = string.find(rk, lp) ~= nil
    end
    if hit and not seen[queue] then
      seen[queue] = true
      queues[#queues + 1] = queue
    end
  end
end
for _, q in ipairs(queues) do redis.call('LPUSH', q .. ARGV[3], ARGV[2]) end
return #queues
`;

/**
 * Take up to ARGV[1] messages without blocking, in the order of the keys, and (when ARGV[3] is
 * "1") record each in unacked / unacked_index in the same atomic step, so a message is never out
 * of the list without also being recorded. The record is kombu's: [envelope, exchange, routing key].
 * KEYS[1] unacked, KEYS[2] unacked_index, KEYS[3..] lists; ARGV[2] now (Unix seconds).
 * Returns a flat array key1, item1, key2, item2...
 */
const POP_AND_RECORD = `
local out = {}
local max = tonumber(ARGV[1])
local record = ARGV[3] == '1'
for k = 3, #KEYS do
  while #out < max * 2 do
    local item = redis.call('RPOP', KEYS[k])
    if not item then break end
    if record then
      local ok, env = pcall(cjson.decode, item)
      if ok and type(env) == 'table' and type(env.properties) == 'table'
          and type(env.properties.delivery_tag) == 'string' then
        local info = env.properties.delivery_info
        local ex, rk = '', ''
        if type(info) == 'table' then
          if type(info.exchange) == 'string' then ex = info.exchange end
          if type(info.routing_key) == 'string' then rk = info.routing_key end
        end
        local tag = env.properties.delivery_tag
        redis.call('ZADD', KEYS[2], ARGV[2], tag)
        redis.call('HSET', KEYS[1], tag, '[' .. item .. ', ' .. cjson.encode(ex) .. ', ' .. cjson.encode(rk) .. ']')
      end
    end
    out[#out + 1] = KEYS[k]
    out[#out + 1] = item
  end
  if #out >= max * 2 then break end
end
return out
`;

/**
 * Put an unacked message back, atomically with removing its record, but only if the record is still
 * the one the caller read (another process may have restored or acked it meanwhile).
 * KEYS[1] unacked, KEYS[2] unacked_index, KEYS[3..] destination lists; ARGV[1] tag, ARGV[2] the
 * record as read, ARGV[3] the envelope to push, ARGV[4] "1" to push at the consuming end (LPUSH
 * in kombu's naming is the far end; RPUSH is consumed next).
 */
const RESTORE_IF_UNCHANGED = `
if redis.call('HGET', KEYS[1], ARGV[1]) ~= ARGV[2] then return 0 end
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('HDEL', KEYS[1], ARGV[1])
for i = 3, #KEYS do
  if ARGV[4] == '1' then redis.call('RPUSH', KEYS[i], ARGV[3]) else redis.call('LPUSH', KEYS[i], ARGV[3]) end
end
return 1
`;

/** Acknowledge deliveries: remove their records. KEYS[1] unacked, KEYS[2] unacked_index; ARGV tags. */
const ACK_TAGS = `
for _, tag in ipairs(ARGV) do
  redis.call('ZREM', KEYS[2], tag)
  redis.call('HDEL', KEYS[1], tag)
end
return #ARGV
`;

/** Release a lock only if we still hold it (redis-py's Lock.release does the same). */
const RELEASE_LOCK = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

export interface ScriptCommands {
  routeAndPush(
    bindingSet: string,
    routingKey: string,
    envelope: string,
    suffix: string,
  ): Promise<number>;
  popAndRecord(numKeys: number, ...args: (string | number)[]): Promise<string[]>;
  restoreIfUnchanged(numKeys: number, ...args: string[]): Promise<number>;
  releaseLock(key: string, token: string): Promise<number>;
  ackTags(numKeys: number, ...args: string[]): Promise<number>;
}

export type ScriptedRedis = Redis & ScriptCommands;

/** Registers the scripts on a connection (ioredis sends EVALSHA, falling back to EVAL once). */
export function withScripts(redis: Redis): ScriptedRedis {
  redis.defineCommand("routeAndPush", { numberOfKeys: 1, lua: ROUTE_AND_PUSH });
  redis.defineCommand("popAndRecord", { lua: POP_AND_RECORD });
  redis.defineCommand("restoreIfUnchanged", { lua: RESTORE_IF_UNCHANGED });
  redis.defineCommand("releaseLock", { numberOfKeys: 1, lua: RELEASE_LOCK });
  redis.defineCommand("ackTags", { lua: ACK_TAGS });
  return redis as ScriptedRedis;
}
