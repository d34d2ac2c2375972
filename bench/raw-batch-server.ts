/**
 * The floor of a request/reply server on Redis, for the CPU-per-request rows: no framework, no
 * JSON-RPC, and every saving a server can make. It takes up to 64 requests at a time (BLMPOP), and
 * their replies leave in the same write as its next take. With one request in flight that is one
 * read of the request, one write, and one read of the replies' answers per request, the least any
 * server with acknowledged replies needs; with many, a few system calls serve a whole batch.
 * Protocol as raw-server.ts. argv: redis URL, request list.
 */
import { Redis } from "ioredis";

const [url, list] = process.argv.slice(2) as [string, string];
const redis = new Redis(url);
await redis.ping();
process.stdout.write("READY\n");
let replies: string[] = [];
for (;;) {
  redis.stream.cork();
  for (const raw of replies) void redis.lpush(raw.slice(0, raw.indexOf("\t")), raw);
  const taken = redis.call("BLMPOP", 0, 1, list, "RIGHT", "COUNT", 64) as Promise<
    [string, string[]] | null
  >;
  redis.stream.uncork();
  replies = (await taken)?.[1] ?? [];
}
