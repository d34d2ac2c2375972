/**
 * Envelopes made from a payload in pieces (a large reply) and their stored form. Such an envelope
 * is an ordinary Envelope to whoever reads it (its `body` is worked out on first read), but a
 * transport that stores envelopes as JSON (Redis) asks encodeEnvelope for its bytes: kombu's JSON
 * text, byte for byte what JSON.stringify would give, written straight from the payload's bytes
 * with one base64 pass and no large intermediate string.
 */

import { ByteChunks } from "./byte-chunks.js";
import { type Envelope, type EnvelopeInput, makeEnvelope } from "./envelope.js";
import { base64Length, type JsonPieces, type JsonText } from "./json-pieces.js";

const PAYLOAD = Symbol("payload pieces");

type WithPayload = Envelope & { readonly [PAYLOAD]?: JsonPieces };

/** What a message is made of: makeEnvelope's input, with a payload that may be in pieces. */
export type MessageInput = Omit<EnvelopeInput, "payload"> & { payload: JsonText };

/** makeEnvelope, for a payload that may be in pieces. */
export function makeEnvelopeOf(input: MessageInput): Envelope {
  const { payload } = input;
  if (typeof payload === "string") return makeEnvelope({ ...input, payload });
  const envelope = makeEnvelope({ ...input, payload: "" });
  let pieces: JsonPieces | undefined = payload;
  let body: string | undefined;
  // Redefined in place, so `body` keeps its place (first) among the members.
  Object.defineProperty(envelope, "body", {
    enumerable: true,
    configurable: true,
    get: () => {
      body ??= payload.toBuffer().toString("base64");
      return body;
    },
    set: (value: string) => {
      body = value;
      pieces = undefined;
    },
  });
  Object.defineProperty(envelope, PAYLOAD, { enumerable: false, get: () => pieces });
  return envelope;
}

/** An envelope's stored form, measured, and written where its writer wants it. */
export interface EnvelopeBytes {
  readonly size: number;
  writeTo(out: ByteChunks): void;
}

/**
 * The stored form (kombu's JSON text) of an envelope made from pieces, as bytes: byte for byte
 * what JSON.stringify gives. Undefined for any other envelope.
 */
export function envelopeBytes(envelope: Envelope): EnvelopeBytes | undefined {
  const pieces = (envelope as WithPayload)[PAYLOAD];
  if (!pieces) return undefined;
  // Every member but the body as JSON.stringify writes them, the body left empty to be filled.
  const head: Record<string, unknown> = {};
  for (const key of Object.keys(envelope))
    head[key] = key === "body" ? "" : envelope[key as keyof Envelope];
  const text = JSON.stringify(head);
  const open = '{"body":"';
  if (!text.startsWith(`${open}"`)) return undefined;
  const tail = text.slice(open.length);
  return {
    size: open.length + base64Length(pieces.byteLength()) + Buffer.byteLength(tail),
    writeTo(out: ByteChunks): void {
      out.latin1(open);
      pieces.writeBase64(out);
      out.utf8(tail);
    },
  };
}

/** The envelope as kombu stores it on Redis: its JSON text, as bytes when made from pieces. */
export function encodeEnvelope(envelope: Envelope): string | Buffer {
  const bytes = envelopeBytes(envelope);
  if (!bytes) return JSON.stringify(envelope);
  const out = new ByteChunks();
  bytes.writeTo(out);
  return Buffer.concat(out.finish());
}
