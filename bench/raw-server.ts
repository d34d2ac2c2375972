/**
 * The baseline's server: BRPOP a request, LPUSH it back onto the reply list it names. No
 * framework, no JSON-RPC, no routing: the physical limit of a Redis request/reply.
 * argv: redis URL, request list.
 */
import { Redis } from "ioredis";

const [url, list] = process.argv.slice(2) as [string, string];
const blocking = new Redis(url);
const command = new Redis(url);
process.stdout.write("READY\n");
for (;;) {
  const popped = await blocking.brpop(list, 0);
  if (!popped) continue;
  const raw = popped[1];
  // The reply list is the first field, before a tab.
  void command.lpush(raw.slice(0, raw.indexOf("\t")), raw);
}
