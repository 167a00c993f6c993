// The links between validators: TCP, mutual TLS 1.3, length-prefixed frames.
//
// One link per pair of validators, and the lower index always dials the higher: the
// dialer knows whom it expects at an address, the acceptor learns who called from the
// certificate, and two nodes never race to open two links. Both sides present a node
// certificate and require the other's (OpenSSL checks the chain to a trusted CA during
// the handshake); then each side reads the validator key from the certificate's SAN URI
// and checks it against the genesis list — the dialer that it is the validator it
// dialed, the acceptor that it is a lower-indexed validator it peers with. Only then is
// a reader attached: nothing a refused peer sends is ever read.
//
// Sending never blocks: a frame goes into the peer's bounded queue (dropped and counted
// when full), and the queue drains into the socket while the socket accepts more
// (write() true) and resumes on 'drain'. A frame handed to a socket that then breaks is
// lost: delivery is at most once, in order, per link; consensus retransmits what it needs.
import { X509Certificate } from 'node:crypto';
import type { AddressInfo, Socket } from 'node:net';
import * as tls from 'node:tls';
import { validatorKeyFromCertificate } from './certificates.js';
import { NetworkError } from './errors.js';
import { FRAME_BYTES_LIMIT, FrameDecoder, encodeFrameHeader, type FrameFault } from './frames.js';

export interface PeerNetworkOptions {
  readonly selfIndex: number;
  /** Consensus public keys, in genesis order; a validator's index is its position here. */
  readonly validators: readonly Uint8Array[];
  /** Port 0 picks a free port; `PeerNetwork.port` tells which. */
  readonly listen: { host: string; port: number };
  /** The validators this node links with. Addresses of lower indexes are not dialed (they dial us). */
  readonly peers: readonly { index: number; host: string; port: number }[];
  readonly tls: { certificatePem: string; privateKeyPem: string; trustedCaPems: readonly string[] };
  /**
   * Optional, genesis order like `validators`: the PEM of the CA that must have issued
   * validator i's certificate (its organization's CA). Without it, any trusted CA may
   * issue a certificate for any validator.
   */
  readonly validatorCaPems?: readonly (string | undefined)[];
  /** Hard limit of one frame's bytes; a larger frame closes the connection. */
  readonly frameBytesMax: number;
  /** Per peer; when full, new frames are dropped and counted. */
  readonly peerQueueFramesMax: number;
  readonly peerQueueBytesMax: number;
  /** Exponential back-off with jitter between these two. */
  readonly reconnectDelayMs: number;
  readonly reconnectDelayMaxMs: number;
  /** Limit of a TCP connect plus TLS handshake, both when dialing and when accepting. */
  readonly connectTimeoutMs: number;
}

export interface PeerStats {
  readonly index: number;
  readonly connected: boolean;
  /** Frames (and their bytes) waiting in this peer's queue, not yet handed to the socket. */
  readonly queuedFrames: number;
  readonly queuedBytes: number;
  readonly sentFrames: number;
  readonly receivedFrames: number;
  /** Frames refused by send(): queue full, empty, or larger than frameBytesMax. */
  readonly droppedFrames: number;
  /** Links to this peer that were closed for an empty or oversized frame it sent. */
  readonly faults: number;
  /** Links to this peer that went down, for whatever reason. */
  readonly disconnects: number;
}

export interface PeerNetworkStats {
  readonly perPeer: PeerStats[];
  /** Incoming connections refused after the TLS handshake (identity, back-off) or failed during it (certificate, timeout, hang-up). */
  readonly refusedConnections: number;
}

/** Pending and live incoming connections beyond this many are refused by the listener. */
const INCOMING_CONNECTIONS_PER_VALIDATOR_MAX = 4;
const INCOMING_CONNECTIONS_SLACK = 16;
/** TCP keep-alive probes find a peer that vanished without closing. */
const KEEP_ALIVE_INITIAL_DELAY_MS = 10_000;
const QUEUE_COMPACT_FRAMES = 1024;

interface Link {
  readonly socket: tls.TLSSocket;
  readonly decoder: FrameDecoder;
  /** The socket's buffer is above its high-water mark; wait for 'drain'. */
  blocked: boolean;
  readonly openedAtMs: number;
  /** A valid frame came through: the link worked, whatever ends it. */
  carried: boolean;
}

interface Peer {
  readonly index: number;
  readonly address: { host: string; port: number };
  /** This node dials the peer (self < index); otherwise it waits to be dialed. */
  readonly dials: boolean;
  link: Link | undefined;
  dialing: tls.TLSSocket | undefined;
  reconnectTimer: NodeJS.Timeout | undefined;
  /**
   * Consecutive dials that failed or gave a link that carried nothing and lived less
   * than reconnectDelayMaxMs, for the back-off. (In TLS 1.3 the dialer's handshake ends
   * before the acceptor has checked its certificate, so a refused dial looks like a link
   * that closes at once; it must still back off.)
   */
  attempts: number;
  /** Consecutive links closed for a fault, for the back-off; reset by a valid frame. */
  faultsInARow: number;
  /** The acceptor refuses this peer until then, after a fault (its back-off). */
  refuseUntilMs: number;
  queue: Uint8Array[];
  queueHead: number;
  queuedBytes: number;
  flushScheduled: boolean;
  sentFrames: number;
  receivedFrames: number;
  droppedFrames: number;
  faults: number;
  disconnects: number;
}

export class PeerNetwork {
  readonly port: number;
  private readonly peers = new Map<number, Peer>();
  private readonly indexByKey = new Map<string, number>();
  private readonly validatorCas: (X509Certificate | undefined)[];
  private readonly frameHandlers: ((from: number, frame: Uint8Array) => void)[] = [];
  private readonly statusHandlers: ((index: number, connected: boolean) => void)[] = [];
  /** Every incoming TCP connection, handshaking or linked, so close() can end them all. */
  private readonly incoming = new Set<Socket>();
  private refusedConnections = 0;
  private closed = false;

  private constructor(
    private readonly options: PeerNetworkOptions,
    private readonly server: tls.Server,
  ) {
    this.port = (server.address() as AddressInfo).port;
    options.validators.forEach((key, index) => this.indexByKey.set(Buffer.from(key).toString('hex'), index));
    this.validatorCas = (options.validatorCaPems ?? []).map((pem) => (pem === undefined ? undefined : new X509Certificate(pem)));
    for (const { index, host, port } of options.peers) {
      this.peers.set(index, {
        index,
        address: { host, port },
        dials: options.selfIndex < index,
        link: undefined,
        dialing: undefined,
        reconnectTimer: undefined,
        attempts: 0,
        faultsInARow: 0,
        refuseUntilMs: 0,
        queue: [],
        queueHead: 0,
        queuedBytes: 0,
        flushScheduled: false,
        sentFrames: 0,
        receivedFrames: 0,
        droppedFrames: 0,
        faults: 0,
        disconnects: 0,
      });
    }
  }

  /**
   * Listens, then dials every higher-indexed peer (and keeps redialing with back-off).
   * Resolves once listening; links come up in the background (see onPeerStatus).
   *
   * @example
   * const network = await PeerNetwork.start(options);
   * network.onFrame((from, frame) => node.receive(from, frame));
   * network.broadcast(encodedVote);
   */
  static async start(options: PeerNetworkOptions): Promise<PeerNetwork> {
    checkOptions(options);
    const n = options.validators.length;
    let server: tls.Server;
    try {
      server = tls.createServer({
        cert: options.tls.certificatePem,
        key: options.tls.privateKeyPem,
        ca: [...options.tls.trustedCaPems],
        requestCert: true,
        rejectUnauthorized: true,
        minVersion: 'TLSv1.3',
        maxVersion: 'TLSv1.3',
        handshakeTimeout: options.connectTimeoutMs,
      });
    } catch (cause) {
      throw new NetworkError('BAD_CERTIFICATE', 'the node certificate, key or trusted CAs cannot be used', { cause });
    }
    server.maxConnections = n * INCOMING_CONNECTIONS_PER_VALIDATOR_MAX + INCOMING_CONNECTIONS_SLACK;
    await new Promise<void>((resolve, reject) => {
      const onError = (cause: Error) =>
        reject(new NetworkError('LISTEN_FAILED', `cannot listen on ${options.listen.host}:${options.listen.port}`, { cause }));
      server.once('error', onError);
      server.listen(options.listen.port, options.listen.host, () => {
        server.off('error', onError);
        resolve();
      });
    });
    const network = new PeerNetwork(options, server);
    server.on('connection', (socket: Socket) => {
      network.incoming.add(socket);
      socket.once('close', () => network.incoming.delete(socket));
    });
    server.on('secureConnection', (socket: tls.TLSSocket) => network.accept(socket));
    // A failed handshake (no certificate, untrusted CA, wrong TLS version, timeout).
    server.on('tlsClientError', (_error, socket) => {
      network.refusedConnections += 1;
      socket.destroy();
    });
    server.on('error', () => {
      // Errors of the listening socket after it is bound (rare: e.g. EMFILE on accept)
      // leave it listening; individual connections carry their own errors.
    });
    for (const peer of network.peers.values()) if (peer.dials) network.dial(peer);
    return network;
  }

  /**
   * Queues `frame` for peer `to` and returns true, or returns false (and counts the
   * drop) when the peer is unknown, the frame is empty or larger than frameBytesMax, or
   * the peer's queue is full. Never blocks. The frame is kept by reference until it is
   * written: do not modify it after sending.
   */
  send(to: number, frame: Uint8Array): boolean {
    if (this.closed) return false;
    const peer = this.peers.get(to);
    if (peer === undefined) return false;
    const { peerQueueFramesMax, peerQueueBytesMax, frameBytesMax } = this.options;
    const queuedFrames = peer.queue.length - peer.queueHead;
    if (
      frame.length === 0 ||
      frame.length > frameBytesMax ||
      queuedFrames >= peerQueueFramesMax ||
      peer.queuedBytes + frame.length > peerQueueBytesMax
    ) {
      peer.droppedFrames += 1;
      return false;
    }
    peer.queue.push(frame);
    peer.queuedBytes += frame.length;
    this.scheduleFlush(peer);
    return true;
  }

  /** send() to every peer (never to self); a peer whose queue is full drops it. */
  broadcast(frame: Uint8Array): void {
    for (const index of this.peers.keys()) this.send(index, frame);
  }

  /**
   * Called for every frame received, with the sender's validator index, in order per
   * peer. The frame may be a view of the received chunk: copy what must outlive the
   * call unchanged. A handler that throws is a bug of the caller and is not caught.
   */
  onFrame(handler: (from: number, frame: Uint8Array) => void): void {
    this.frameHandlers.push(handler);
  }

  /** Called when a link to a peer comes up (true) or goes down (false). */
  onPeerStatus(handler: (index: number, connected: boolean) => void): void {
    this.statusHandlers.push(handler);
  }

  stats(): PeerNetworkStats {
    const perPeer = [...this.peers.values()]
      .sort((a, b) => a.index - b.index)
      .map((peer) => ({
        index: peer.index,
        connected: peer.link !== undefined,
        queuedFrames: peer.queue.length - peer.queueHead,
        queuedBytes: peer.queuedBytes,
        sentFrames: peer.sentFrames,
        receivedFrames: peer.receivedFrames,
        droppedFrames: peer.droppedFrames,
        faults: peer.faults,
        disconnects: peer.disconnects,
      }));
    return { perPeer, refusedConnections: this.refusedConnections };
  }

  /** Closes every link and the listener; queued frames are discarded. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const serverClosed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    // server.close() waits for open connections; pending handshakes end here too.
    for (const socket of this.incoming) socket.destroy();
    for (const peer of this.peers.values()) {
      clearTimeout(peer.reconnectTimer);
      peer.reconnectTimer = undefined;
      peer.dialing?.destroy();
      peer.dialing = undefined;
      peer.link?.socket.destroy();
      peer.link = undefined;
      peer.queue = [];
      peer.queueHead = 0;
      peer.queuedBytes = 0;
    }
    await serverClosed;
  }

  // ── dialing ────────────────────────────────────────────────────────────────────

  // Enter: at start, and after the back-off following a failed dial or a lost link.
  private dial(peer: Peer): void {
    peer.reconnectTimer = undefined;
    if (this.closed || peer.link !== undefined || peer.dialing !== undefined) return;
    const { tls: identity, connectTimeoutMs } = this.options;
    const socket = tls.connect({
      host: peer.address.host,
      port: peer.address.port,
      cert: identity.certificatePem,
      key: identity.privateKeyPem,
      ca: [...identity.trustedCaPems],
      rejectUnauthorized: true,
      minVersion: 'TLSv1.3',
      maxVersion: 'TLSv1.3',
      // The identity of a validator is its key in the SAN URI, not a host name: the
      // handshake fails unless the server's certificate names the validator we dialed.
      checkServerIdentity: (_host, certificate) =>
        this.identityFault(peer.index, certificate) === undefined
          ? undefined
          : new Error(`the certificate at ${peer.address.host}:${peer.address.port} does not name validator ${peer.index}`),
    });
    peer.dialing = socket;
    const timer = setTimeout(() => socket.destroy(), connectTimeoutMs);
    socket.on('error', () => {
      // Reported through 'close'; the back-off handles every failure alike.
    });
    socket.once('secureConnect', () => {
      clearTimeout(timer);
      peer.dialing = undefined;
      if (this.closed || !socket.authorized || this.identityFault(peer.index, socket.getPeerCertificate()) !== undefined) {
        socket.destroy();
        this.scheduleReconnect(peer);
        return;
      }
      this.attach(peer, socket);
    });
    socket.once('close', () => {
      clearTimeout(timer);
      if (peer.dialing !== socket) return; // attached (its own close handler runs) or superseded
      peer.dialing = undefined;
      this.scheduleReconnect(peer);
    });
  }

  private scheduleReconnect(peer: Peer): void {
    if (this.closed || !peer.dials || peer.reconnectTimer !== undefined || peer.link !== undefined || peer.dialing !== undefined) return;
    const step = Math.max(peer.attempts, peer.faultsInARow);
    peer.attempts += 1;
    peer.reconnectTimer = setTimeout(() => this.dial(peer), this.backoffMs(step));
  }

  /** Exponential in `step`, capped, with jitter over the upper half of the interval. */
  private backoffMs(step: number): number {
    const { reconnectDelayMs, reconnectDelayMaxMs } = this.options;
    const ceiling = Math.min(reconnectDelayMaxMs, reconnectDelayMs * 2 ** Math.min(step, 30));
    return Math.round(ceiling / 2 + Math.random() * (ceiling / 2));
  }

  // ── accepting ──────────────────────────────────────────────────────────────────

  // Enter: a TLS handshake completed with a certificate chained to a trusted CA.
  private accept(socket: tls.TLSSocket): void {
    const refuse = () => {
      this.refusedConnections += 1;
      socket.destroy();
    };
    if (this.closed || !socket.authorized) return refuse();
    const key = validatorKeyFromCertificate(socket.getPeerCertificate());
    const index = key === undefined ? undefined : this.indexByKey.get(Buffer.from(key).toString('hex'));
    if (index === undefined) return refuse(); // names no validator
    const peer = this.peers.get(index);
    // Only lower indexes dial us; self, strangers and higher indexes are refused.
    if (peer === undefined || peer.dials || index === this.options.selfIndex) return refuse();
    if (this.identityFault(index, socket.getPeerCertificate()) !== undefined) return refuse();
    if (Date.now() < peer.refuseUntilMs) return refuse(); // back-off after a fault
    // A new link from the same validator replaces the old one: the peer restarted, or
    // its old connection is half-open and it has given up on it.
    if (peer.link !== undefined) {
      peer.link.socket.destroy();
      peer.link = undefined;
      peer.disconnects += 1;
      this.emitStatus(index, false);
    }
    this.attach(peer, socket);
  }

  // ── links ──────────────────────────────────────────────────────────────────────

  /** Why this certificate may not speak for validator `index`, or undefined if it may. */
  private identityFault(index: number, certificate: { raw?: Uint8Array }): string | undefined {
    const key = validatorKeyFromCertificate(certificate);
    const expected = this.options.validators[index];
    if (key === undefined || expected === undefined) return 'names no validator';
    if (Buffer.compare(key, expected) !== 0) return 'names another validator';
    const ca = this.validatorCas[index];
    if (ca !== undefined) {
      try {
        const peerCertificate = new X509Certificate(certificate.raw!);
        if (!peerCertificate.checkIssued(ca) || !peerCertificate.verify(ca.publicKey)) return "not issued by the validator's organization CA";
      } catch {
        return 'does not parse';
      }
    }
    return undefined;
  }

  // Enter: the peer's identity is verified; from here its frames are read.
  private attach(peer: Peer, socket: tls.TLSSocket): void {
    const link: Link = { socket, decoder: new FrameDecoder(this.options.frameBytesMax), blocked: false, openedAtMs: Date.now(), carried: false };
    peer.link = link;
    socket.setNoDelay(true);
    socket.setKeepAlive(true, KEEP_ALIVE_INITIAL_DELAY_MS);
    socket.on('error', () => {
      // Reported through 'close'.
    });
    const frames: Uint8Array[] = [];
    socket.on('data', (chunk: Buffer) => {
      if (peer.link !== link) return;
      frames.length = 0;
      const fault = link.decoder.push(chunk, frames);
      if (fault !== undefined) this.onFault(peer, link, fault);
      for (const frame of frames) {
        if (peer.link !== link) break;
        peer.receivedFrames += 1;
        peer.faultsInARow = 0;
        link.carried = true;
        for (const handler of this.frameHandlers) handler(peer.index, frame);
      }
      if (fault !== undefined) socket.destroy();
    });
    socket.on('drain', () => {
      link.blocked = false;
      this.scheduleFlush(peer);
    });
    socket.once('close', () => {
      if (peer.link !== link) return;
      peer.link = undefined;
      peer.disconnects += 1;
      if (link.carried || Date.now() - link.openedAtMs >= this.options.reconnectDelayMaxMs) peer.attempts = 0;
      if (!this.closed) {
        this.emitStatus(peer.index, false);
        this.scheduleReconnect(peer);
      }
    });
    this.emitStatus(peer.index, true);
    this.scheduleFlush(peer);
  }

  // Enter: the peer sent an empty or oversized frame; the link closes after the frames
  // before it are delivered, and the peer is kept away for a back-off.
  private onFault(peer: Peer, _link: Link, _fault: FrameFault): void {
    peer.faults += 1;
    peer.faultsInARow += 1;
    if (!peer.dials) peer.refuseUntilMs = Date.now() + this.backoffMs(peer.faultsInARow);
  }

  private scheduleFlush(peer: Peer): void {
    if (peer.flushScheduled || peer.link === undefined || peer.link.blocked) return;
    peer.flushScheduled = true;
    // Frames sent in one tick go out together, in as few TLS records as they fit.
    process.nextTick(() => this.flush(peer));
  }

  private flush(peer: Peer): void {
    peer.flushScheduled = false;
    const link = peer.link;
    if (link === undefined || link.blocked || this.closed) return;
    const socket = link.socket;
    socket.cork();
    while (peer.queueHead < peer.queue.length) {
      const frame = peer.queue[peer.queueHead]!;
      peer.queue[peer.queueHead] = undefined as unknown as Uint8Array;
      peer.queueHead += 1;
      peer.queuedBytes -= frame.length;
      socket.write(encodeFrameHeader(frame.length));
      const more = socket.write(frame);
      peer.sentFrames += 1;
      if (!more) {
        link.blocked = true;
        break;
      }
    }
    socket.uncork();
    if (peer.queueHead === peer.queue.length) {
      peer.queue = [];
      peer.queueHead = 0;
    } else if (peer.queueHead >= QUEUE_COMPACT_FRAMES) {
      peer.queue = peer.queue.slice(peer.queueHead);
      peer.queueHead = 0;
    }
  }

  private emitStatus(index: number, connected: boolean): void {
    for (const handler of this.statusHandlers) handler(index, connected);
  }
}

function checkOptions(options: PeerNetworkOptions): void {
  const bad = (message: string, details: Record<string, unknown> = {}): never => {
    throw new NetworkError('BAD_OPTIONS', message, { details });
  };
  const positiveInteger = (name: string, value: number, max = Number.MAX_SAFE_INTEGER) => {
    if (!Number.isInteger(value) || value < 1 || value > max) bad(`${name} must be an integer in 1..${max}`, { [name]: value });
  };
  const n = options.validators.length;
  if (n === 0) bad('validators is empty');
  if (!Number.isInteger(options.selfIndex) || options.selfIndex < 0 || options.selfIndex >= n) {
    bad(`selfIndex must be in 0..${n - 1}`, { selfIndex: options.selfIndex });
  }
  const keys = new Set(options.validators.map((key) => Buffer.from(key).toString('hex')));
  if (keys.size !== n) bad('validators lists a key twice');
  const seen = new Set<number>();
  for (const peer of options.peers) {
    if (!Number.isInteger(peer.index) || peer.index < 0 || peer.index >= n) bad(`peer index ${peer.index} is not a validator`);
    if (peer.index === options.selfIndex) bad('peers lists this node itself', { index: peer.index });
    if (seen.has(peer.index)) bad('peers lists a validator twice', { index: peer.index });
    seen.add(peer.index);
    if (!Number.isInteger(peer.port) || peer.port < 0 || peer.port > 65535) bad('peer port out of range', { index: peer.index, port: peer.port });
  }
  if (!Number.isInteger(options.listen.port) || options.listen.port < 0 || options.listen.port > 65535) bad('listen port out of range');
  if (options.tls.trustedCaPems.length === 0) bad('tls.trustedCaPems is empty: no peer could be accepted');
  if (options.validatorCaPems !== undefined && options.validatorCaPems.length !== n) {
    bad('validatorCaPems must have one entry per validator', { validators: n, validatorCaPems: options.validatorCaPems.length });
  }
  positiveInteger('frameBytesMax', options.frameBytesMax, FRAME_BYTES_LIMIT);
  positiveInteger('peerQueueFramesMax', options.peerQueueFramesMax);
  positiveInteger('peerQueueBytesMax', options.peerQueueBytesMax);
  positiveInteger('reconnectDelayMs', options.reconnectDelayMs);
  positiveInteger('reconnectDelayMaxMs', options.reconnectDelayMaxMs);
  positiveInteger('connectTimeoutMs', options.connectTimeoutMs);
  // A queue that cannot hold one largest frame would drop every such frame.
  if (options.peerQueueBytesMax < options.frameBytesMax) {
    bad('peerQueueBytesMax must be at least frameBytesMax', { peerQueueBytesMax: options.peerQueueBytesMax, frameBytesMax: options.frameBytesMax });
  }
  if (options.reconnectDelayMaxMs < options.reconnectDelayMs) bad('reconnectDelayMaxMs must be at least reconnectDelayMs');
  if (options.validatorCaPems !== undefined) {
    for (const pem of options.validatorCaPems) {
      if (pem === undefined) continue;
      try {
        new X509Certificate(pem);
      } catch (cause) {
        throw new NetworkError('BAD_CERTIFICATE', 'a validatorCaPems entry does not parse', { cause });
      }
    }
  }
}
