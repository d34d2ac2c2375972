/**
 * Lua scripts that save Redis round trips while keeping kombu's data layout. Named by what they do
 * and how many keys they take (the number is in each definition).
 */
import { createHash } from "node:crypto";
import type { Redis } from "ioredis";

/**
 * Rings a queue's bell (`_commissaire.bell.<queue>`, a list of at most one token): consumers of
 * ours that wait for work block on it with the take script queued right behind, so a push costs
 * them one read. The token expires, so the bell of a queue nobody waits on goes away.
 */
const RING = `local function ring(queue)
  local bell = '_commissaire.bell.' .. queue
  if redis.call('LLEN', bell) == 0 then
    redis.call('LPUSH', bell, '1')
    redis.call('PEXPIRE', bell, 60000)
  end
end
`;

/**
 * Publish in one round trip: read the exchange's binding set, match the routing key against each
 * stored regex and LPUSH one copy per matched queue. kombu's regexes use a tiny subset (escaped
 * literals, `.*?` and `.*?[^\.]`, anchors), translated here to Lua patterns with the same matches
 * (`.-` is Lua's lazy `.*?`). A stored regex outside that subset makes the script return -1 before
 * writing anything, and the caller routes with the real regex in JavaScript instead.
 * Each queue reached gets its bell rung (our consumers waiting for work take it at once) and a
 * ping on its wake channel (for consumers that listen there instead).
 * KEYS[1] binding set; ARGV[1] routing key, ARGV[2] envelope, ARGV[3] priority suffix.
 */
const ROUTE_AND_PUSH = `${RING}
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
for _, q in ipairs(queues) do
  redis.call('LPUSH', q .. ARGV[3], ARGV[2])
  ring(q)
  redis.call('PUBLISH', '_commissaire.wake.' .. q, '1')
end
return #queues
`;

/**
 * Take up to ARGV[2] messages without blocking, in the order of the keys, moving each into the
 * owner's in-flight HASH in the same atomic step: a message is always in its list or recorded as
 * ours, never only in a process's memory. Sizes are checked here, on the Redis side, before
 * anything is sent: a message larger than ARGV[3] bytes goes to `<queue>.dead` and, when its
 * reply_to and correlation_id can be found in the raw text, its caller gets -32600 (the body is
 * base64, so it holds no quote and cannot fake those members). A message that does not fit the
 * in-flight byte budget ARGV[4] stays where it is, unless nothing is in flight (ARGV[5] = "1").
 * KEYS[1] in-flight hash, KEYS[2..] lists; ARGV[1] first delivery number, ARGV[6] reply-list TTL
 * (ms), ARGV[7] a unique prefix for answer tags. A take that stops short (room, budget) rings the
 * bells of what it leaves, for the other consumers waiting on them.
 * Returns {{number, key, raw, ...}, {queue, size, answered(0|1), ...}}.
 */
const TAKE_INTO_FLIGHT = `${RING}
local sep = '\\6\\22'
local seq = tonumber(ARGV[1])
local room = tonumber(ARGV[2])
local limit = tonumber(ARGV[3])
local budget = tonumber(ARGV[4])
local empty = ARGV[5] == '1'
local taken, aside = {}, {}
local count = 0
local function leave()
  for k = 2, #KEYS do
    if redis.call('LLEN', KEYS[k]) > 0 then
      local queue = KEYS[k]
      local at = string.find(queue, sep, 1, true)
      if at then queue = string.sub(queue, 1, at - 1) end
      ring(queue)
    end
  end
  return {taken, aside}
end
local function member(raw, name)
  local from = 1
  while true do
    local at = string.find(raw, '"' .. name .. '"', from, true)
    if not at then return nil end
    local value = string.match(raw, '^"' .. name .. '"%s*:%s*"([^"\\\\]*)"', at)
    if value then return value end
    from = at + 1
  end
end
for k = 2, #KEYS do
  local key = KEYS[k]
  while count < room do
    local raw = redis.call('LINDEX', key, -1)
    if not raw then break end
    local size = #raw
    if limit > 0 and size > limit then
      local queue = key
      local at = string.find(key, sep, 1, true)
      if at then queue = string.sub(key, 1, at - 1) end
      redis.call('RPOPLPUSH', key, queue .. '.dead')
      local replyTo = member(raw, 'reply_to')
      local answered = 0
      if replyTo and replyTo ~= '' then
        local props = {delivery_mode = 2, priority = 0,
          delivery_info = {exchange = '', routing_key = replyTo},
          delivery_tag = ARGV[7] .. '-' .. (seq + count) .. '-' .. #aside}
        local correlation = member(raw, 'correlation_id')
        if correlation then props.correlation_id = correlation end
        local payload = '{"jsonrpc": "2.0", "id": -1, "error": {"code": -32600, "message": "message of '
          .. size .. ' bytes exceeds the limit of ' .. limit .. ' bytes", "data": {}}}'
        local answer = cjson.encode({body = payload, ['content-encoding'] = 'utf-8',
          ['content-type'] = 'text/plain', headers = {}, properties = props})
        redis.call('LPUSH', replyTo, answer)
        redis.call('PEXPIRE', replyTo, ARGV[6])
        answered = 1
      end
      aside[#aside + 1] = queue
      aside[#aside + 1] = size
      aside[#aside + 1] = answered
    else
      if budget >= 0 and size > budget and not (empty and count == 0) then return leave() end
      redis.call('RPOP', key)
      local n = tostring(seq + count)
      redis.call('HSET', KEYS[1], n, key .. sep .. raw)
      taken[#taken + 1] = n
      taken[#taken + 1] = key
      taken[#taken + 1] = raw
      count = count + 1
      if budget >= 0 then budget = budget - size end
    end
  end
  if count >= room then return leave() end
end
return {taken, aside}
`;

/**
 * Any live process runs this: every owner whose alive key has expired (its process died) gets its
 * in-flight messages back on their lists (at the consuming end, flagged redelivered as kombu's
 * restore does, counted in x-commissaire-redeliveries; after ARGV[1] deliveries to
 * `<queue>.dead` instead), its auto-delete queues and their bindings removed, and is forgotten.
 * Atomic: two processes sweeping at once cannot restore a message twice.
 * KEYS[1] the owners set. Returns {restored, {queue, deliveries, ...dead letters}}.
 */
const SWEEP_DEAD_OWNERS = `${RING}
local sep = '\\6\\22'
local restored, dead = 0, {}
for _, owner in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  if redis.call('EXISTS', '_commissaire.alive.' .. owner) == 0 then
    local flight = '_commissaire.inflight.' .. owner
    local entries = redis.call('HGETALL', flight)
    local order = {}
    for i = 1, #entries, 2 do order[#order + 1] = {tonumber(entries[i]) or 0, entries[i + 1]} end
    table.sort(order, function(a, b) return a[1] > b[1] end)
    for _, entry in ipairs(order) do
      local value = entry[2]
      local at = string.find(value, sep, 1, true)
      if at then
        local key, raw = string.sub(value, 1, at - 1), string.sub(value, at + 2)
        local queue = key
        local q = string.find(key, sep, 1, true)
        if q then queue = string.sub(key, 1, q - 1) end
        local ok, env = pcall(cjson.decode, raw)
        local deliveries = 1
        if ok and type(env) == 'table' then
          if type(env.headers) ~= 'table' then env.headers = {} end
          deliveries = (tonumber(env.headers['x-commissaire-redeliveries']) or 0) + 1
          env.headers['x-commissaire-redeliveries'] = deliveries
          env.headers.redelivered = true
          if type(env.properties) == 'table' and type(env.properties.delivery_info) == 'table' then
            env.properties.delivery_info.redelivered = true
          end
          raw = cjson.encode(env)
        end
        if deliveries >= tonumber(ARGV[1]) then
          redis.call('LPUSH', queue .. '.dead', raw)
          dead[#dead + 1] = queue
          dead[#dead + 1] = deliveries
        else
          redis.call('RPUSH', key, raw)
          ring(queue)
          redis.call('PUBLISH', '_commissaire.wake.' .. queue, '1')
          restored = restored + 1
        end
      end
    end
    local auto = '_commissaire.autodelete.' .. owner
    local queues = redis.call('HGETALL', auto)
    for i = 1, #queues, 2 do
      local ok, pairs = pcall(cjson.decode, queues[i + 1])
      if ok and type(pairs) == 'table' then
        for _, p in ipairs(pairs) do redis.call('SREM', p[1], p[2]) end
      end
      local name = queues[i]
      redis.call('DEL', name, name .. sep .. '3', name .. sep .. '6', name .. sep .. '9')
      if redis.call('HGET', '_commissaire.exclusive', name) == owner then
        redis.call('HDEL', '_commissaire.exclusive', name)
      end
    end
    redis.call('DEL', flight, auto)
    redis.call('SREM', KEYS[1], owner)
  end
end
return {restored, dead}
`;

/**
 * Takes an exclusive queue for an owner unless another live owner has it; returns that owner.
 * KEYS[1] the exclusive hash; ARGV[1] queue, ARGV[2] owner.
 */
const CLAIM_EXCLUSIVE = `
local holder = redis.call('HGET', KEYS[1], ARGV[1])
if holder and holder ~= ARGV[2] and redis.call('EXISTS', '_commissaire.alive.' .. holder) == 1 then
  return holder
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return false
`;

/** A reply: LPUSH and a TTL, so the list of a caller that died goes away. KEYS[1] list; ARGV envelope, TTL ms. */
const PUSH_REPLY = `
redis.call('LPUSH', KEYS[1], ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
`;

/**
 * A reply and the acknowledgement of the request it answers, in one step: an answered request is
 * never run again, and the two cost one round trip. KEYS[1] reply list, KEYS[2] in-flight hash;
 * ARGV[1] envelope, ARGV[2] TTL ms, ARGV[3] the request's delivery number.
 */
const PUSH_REPLY_AND_ACK = `
redis.call('LPUSH', KEYS[1], ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
redis.call('HDEL', KEYS[2], ARGV[3])
return 1
`;

/** Rings a queue's bell (messages put back by a consumer). ARGV[1] queue. */
const RING_BELL = `${RING}
ring(ARGV[1])
return 1
`;

/** The SHA1 Redis knows PUSH_REPLY by (EVALSHA). */
export const PUSH_REPLY_SHA = createHash("sha1").update(PUSH_REPLY).digest("hex");
/** The SHA1 Redis knows PUSH_REPLY_AND_ACK by (EVALSHA). */
export const PUSH_REPLY_AND_ACK_SHA = createHash("sha1").update(PUSH_REPLY_AND_ACK).digest("hex");

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

/** Release a lock only if we still hold it (redis-py's Lock.release does the same). */
const RELEASE_LOCK = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

export interface ScriptCommands {
  routeAndPush(
    bindingSet: string,
    routingKey: string,
    envelope: string | Buffer,
    suffix: string,
  ): Promise<number>;
  takeIntoFlight(
    numKeys: number,
    ...args: (string | number)[]
  ): Promise<[taken: string[], aside: Array<string | number>]>;
  sweepDeadOwners(owners: string, maxDeliveries: number): Promise<[number, Array<string | number>]>;
  pushReply(list: string, envelope: string | Buffer, ttlMs: number): Promise<number>;
  pushReplyAndAck(
    list: string,
    inFlight: string,
    envelope: string | Buffer,
    ttlMs: number,
    tag: string,
  ): Promise<number>;
  ringBell(queue: string): Promise<number>;
  restoreIfUnchanged(numKeys: number, ...args: string[]): Promise<number>;
  releaseLock(key: string, token: string): Promise<number>;
  claimExclusive(exclusive: string, queue: string, owner: string): Promise<string | null>;
}

export type ScriptedRedis = Redis & ScriptCommands;

/** The take's command name (the Redis transport sends it outside the auto-pipeline). */
export const TAKE_COMMAND = "takeIntoFlight";

/** Registers the scripts on a connection (ioredis sends EVALSHA, falling back to EVAL once). */
export function withScripts(redis: Redis): ScriptedRedis {
  redis.defineCommand("routeAndPush", { numberOfKeys: 1, lua: ROUTE_AND_PUSH });
  redis.defineCommand(TAKE_COMMAND, { lua: TAKE_INTO_FLIGHT });
  redis.defineCommand("sweepDeadOwners", { numberOfKeys: 1, lua: SWEEP_DEAD_OWNERS });
  redis.defineCommand("pushReply", { numberOfKeys: 1, lua: PUSH_REPLY });
  redis.defineCommand("pushReplyAndAck", { numberOfKeys: 2, lua: PUSH_REPLY_AND_ACK });
  redis.defineCommand("ringBell", { numberOfKeys: 0, lua: RING_BELL });
  redis.defineCommand("restoreIfUnchanged", { lua: RESTORE_IF_UNCHANGED });
  redis.defineCommand("releaseLock", { numberOfKeys: 1, lua: RELEASE_LOCK });
  redis.defineCommand("claimExclusive", { numberOfKeys: 1, lua: CLAIM_EXCLUSIVE });
  return redis as ScriptedRedis;
}
