// A raw TLS client for the network's tests: it speaks to a PeerNetwork without being
// one, to send what a faulty or hostile peer would (bad certificates, bad frames).
import * as tls from 'node:tls';
import { encodeFrameHeader } from '../frames.js';

export interface RawPeer {
  readonly socket: tls.TLSSocket;
  /** Resolves when the socket has closed, for whatever reason. */
  readonly closed: Promise<void>;
}

export function connectRaw(
  port: number,
  identity: { certificatePem: string; privateKeyPem: string } | undefined,
  trustedCaPems: readonly string[],
): RawPeer {
  const socket = tls.connect({
    host: '127.0.0.1',
    port,
    ...(identity === undefined ? {} : { cert: identity.certificatePem, key: identity.privateKeyPem }),
    ca: [...trustedCaPems],
    // The raw peer does not care who the server is: only the server's checks are tested.
    rejectUnauthorized: false,
    minVersion: 'TLSv1.3',
  });
  socket.on('error', () => {});
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  return { socket, closed };
}

export function frameBytes(body: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + body.length);
  out.set(encodeFrameHeader(body.length), 0);
  out.set(body, 4);
  return out;
}
