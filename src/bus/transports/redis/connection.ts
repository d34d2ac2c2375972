/** Closing a Redis connection without waiting forever on a server that is gone. */
import type { Redis } from "ioredis";

export const delay = (ms: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, ms).unref());

/** QUIT, and if the server does not answer within the deadline, drop the socket. */
export async function closeConnection(redis: Redis, deadlineMs = 2000): Promise<void> {
  if (redis.status === "end") return;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, deadlineMs);
  });
  await Promise.race([
    redis.quit().then(
      () => undefined,
      () => undefined,
    ),
    timeout,
  ]);
  clearTimeout(timer);
  redis.disconnect();
}

/**
 * How long ioredis waits for a dropped socket to close before destroying it. Its timer keeps the
 * process alive (2 s by default, even for a socket that never connected), so it is kept short.
 */
export const DISCONNECT_TIMEOUT_MS = 100;

/**
 * Follows a blocking connection's CLIENT ID, read again on every (re)connect: what CLIENT UNBLOCK
 * names to end its wait at once. null while it is not known.
 */
export function followClientId(connection: Redis): () => number | null {
  let id: number | null = null;
  connection.on("ready", () => {
    id = null;
    connection.client("ID").then(
      (value) => (id = Number(value)),
      () => undefined,
    );
  });
  return () => id;
}
