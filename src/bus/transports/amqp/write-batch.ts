/**
 * amqplib writes each frame group to the socket on its own (one system call per publish, ack or
 * method). Its muxer hands over everything the channels queued in one go; corking the socket
 * around that makes it one write, so a burst of replies and acks costs one system call here and
 * one read in the broker.
 */
import type { ChannelModel } from "amqplib";

interface Muxer {
  _readIncoming(): void;
}

interface Corkable {
  cork(): void;
  uncork(): void;
}

/** Writes what one muxer pass produces in one go; false when amqplib is not shaped as expected. */
export function batchWrites(model: ChannelModel): boolean {
  const inner = model.connection as unknown as {
    muxer?: Partial<Muxer>;
    stream?: Partial<Corkable>;
  };
  const muxer = inner.muxer;
  const stream = inner.stream;
  if (
    typeof muxer?._readIncoming !== "function" ||
    typeof stream?.cork !== "function" ||
    typeof stream.uncork !== "function"
  )
    return false;
  const pass = muxer._readIncoming.bind(muxer);
  const socket = stream as Corkable;
  muxer._readIncoming = () => {
    socket.cork();
    try {
      pass();
    } finally {
      socket.uncork();
    }
  };
  return true;
}
