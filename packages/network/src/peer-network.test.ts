// PeerNetwork over real sockets on 127.0.0.1 (port 0), several networks in one process:
// frames flow both ways between 4 validators in order; peers that are not who they must
// be (no certificate, self-signed, unknown CA, a trusted CA naming a non-validator or a
// validator that must not dial us, another organization's CA, a server naming another
// validator) are refused and nothing they send is delivered; an oversized frame closes
// the link, which comes back after the back-off; a closed and restarted peer relinks and
// delivery resumes; queues drop and count past their bounds and deliver what they hold
// once the peer appears; options that contradict themselves are refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { createOrganizationCa, issueNodeCertificate } from './certificates.js';
import { NetworkError } from './errors.js';
import { PeerNetwork } from './peer-network.js';
import { allConnected, createConsortium, networkOptions, startNetworks, waitFor, within, type Consortium } from './testing/fixtures.js';
import { connectRaw, frameBytes } from './testing/raw-peer.js';

type Received = { from: number; text: string }[];

function record(network: PeerNetwork): Received {
  const received: Received = [];
  network.onFrame((from, frame) => received.push({ from, text: Buffer.from(frame).toString() }));
  return received;
}

const text = (s: string) => new Uint8Array(Buffer.from(s));


test('4 validators link up and exchange frames both ways, in order', async () => {
  const consortium = await createConsortium(4);
  const { networks } = await startNetworks(consortium);
  try {
    const received = networks.map(record);
    const statuses: string[] = [];
    networks[0]!.onPeerStatus((index, connected) => statuses.push(`${index}:${connected}`));
    await waitFor(() => allConnected(networks), 'all links');
    for (let from = 0; from < 4; from++) {
      for (let to = 0; to < 4; to++) {
        if (to === from) continue;
        for (let k = 0; k < 20; k++) assert.equal(networks[from]!.send(to, text(`${from}->${to}#${k}`)), true);
      }
      networks[from]!.broadcast(text(`all from ${from}`));
    }
    assert.equal(networks[0]!.send(0, text('self')), false, 'self is not a peer');
    assert.equal(networks[0]!.send(9, text('nobody')), false, 'unknown peer');
    await waitFor(() => received.every((r) => r.length === 3 * 21), 'every frame');
    for (let to = 0; to < 4; to++) {
      for (let from = 0; from < 4; from++) {
        if (to === from) continue;
        const texts = received[to]!.filter((r) => r.from === from).map((r) => r.text);
        assert.deepEqual(texts, [...Array.from({ length: 20 }, (_, k) => `${from}->${to}#${k}`), `all from ${from}`]);
      }
    }
    const stats = networks[0]!.stats();
    assert.deepEqual(stats.perPeer.map((p) => p.index), [1, 2, 3]);
    for (const peer of stats.perPeer) {
      assert.equal(peer.connected, true);
      assert.equal(peer.sentFrames, 21);
      assert.equal(peer.receivedFrames, 21);
      assert.equal(peer.droppedFrames, 0);
      assert.equal(peer.queuedFrames, 0);
    }
    assert.equal(stats.refusedConnections, 0);
    assert.deepEqual(statuses.sort(), ['1:true', '2:true', '3:true']);
  } finally {
    await Promise.all(networks.map((n) => n.close()));
  }
});

test('peers with the wrong certificate are refused before any frame is read', async () => {
  const consortium = await createConsortium(4);
  // Only validator 2 runs; validators 0 and 1 would dial it.
  const network = await PeerNetwork.start(networkOptions(consortium, 2, [0, 0, 0, 0]));
  const received = record(network);
  const trusted = consortium.cas.map((ca) => ca.certificatePem);
  const stranger = await createOrganizationCa('stranger');
  const cases: [string, { certificatePem: string; privateKeyPem: string } | undefined][] = [
    ['no certificate', undefined],
    ['a self-signed certificate', stranger],
    ['validator 0 by an unknown CA', await issueNodeCertificate(stranger, { organizationId: 'org-0', validatorPublicKey: consortium.validators[0]! })],
    ['a non-validator by a trusted CA', await issueNodeCertificate(consortium.cas[0]!, { organizationId: 'org-0', validatorPublicKey: new Uint8Array(randomBytes(32)) })],
    ['validator 3, which does not dial 2', consortium.nodes[3]!],
    ['validator 2 itself', consortium.nodes[2]!],
    ['validator 0 by organization 1\'s CA', await issueNodeCertificate(consortium.cas[1]!, { organizationId: 'org-1', validatorPublicKey: consortium.validators[0]! })],
  ];
  try {
    let refused = 0;
    for (const [name, identity] of cases) {
      const raw = connectRaw(network.port, identity, trusted);
      raw.socket.once('secureConnect', () => raw.socket.write(frameBytes(text(`from ${name}`))));
      await within(raw.closed, `the server to close the connection of ${name}`);
      refused += 1;
      await waitFor(() => network.stats().refusedConnections === refused, `refusal of ${name}`);
    }
    // The genuine validator 0 is accepted on the same listener.
    const genuine = connectRaw(network.port, consortium.nodes[0]!, trusted);
    genuine.socket.once('secureConnect', () => genuine.socket.write(frameBytes(text('genuine'))));
    await waitFor(() => received.length === 1, 'the genuine frame');
    genuine.socket.destroy();
    assert.deepEqual(received, [{ from: 0, text: 'genuine' }]);
  } finally {
    await network.close();
  }
});

test('a dialer refuses a server whose certificate names another validator', async () => {
  const consortium = await createConsortium(3);
  let accepted = 0;
  // Posing as validator 1 with validator 2's (genuine) certificate.
  const impostor = tls.createServer(
    { cert: consortium.nodes[2]!.certificatePem, key: consortium.nodes[2]!.privateKeyPem, minVersion: 'TLSv1.3' },
    (socket) => {
      accepted += 1;
      socket.on('error', () => {});
      socket.write(frameBytes(text('impostor')));
    },
  );
  impostor.on('tlsClientError', () => {});
  await new Promise<void>((resolve) => impostor.listen(0, '127.0.0.1', resolve));
  const port = (impostor.address() as { port: number }).port;
  const network = await PeerNetwork.start(networkOptions(consortium, 0, [0, port, 0]));
  const received = record(network);
  try {
    await new Promise((resolve) => setTimeout(resolve, 300)); // several dials at 20..200 ms back-off
    assert.equal(received.length, 0);
    assert.equal(network.stats().perPeer.find((p) => p.index === 1)!.connected, false);
    assert.equal(accepted, 0, 'the dialer aborts the handshake');
  } finally {
    await network.close();
    await new Promise((resolve) => impostor.close(resolve));
  }
});

test('an oversized frame closes the link; the link comes back after the back-off', async () => {
  const consortium = await createConsortium(2);
  // Validator 0 may send frames up to 128 KiB, validator 1 accepts 64 KiB.
  const { networks } = await startNetworks(consortium, (i) =>
    i === 0 ? { frameBytesMax: 128 * 1024, peerQueueBytesMax: 1024 * 1024 } : { frameBytesMax: 64 * 1024 },
  );
  try {
    const received = record(networks[1]!);
    await waitFor(() => allConnected(networks), 'the link');
    networks[0]!.send(1, text('before'));
    networks[0]!.send(1, new Uint8Array(100 * 1024));
    networks[0]!.send(1, text('lost with the link'));
    await waitFor(() => networks[1]!.stats().perPeer[0]!.faults === 1, 'the fault');
    await waitFor(() => networks[1]!.stats().perPeer[0]!.disconnects >= 1, 'the disconnect');
    await waitFor(() => allConnected(networks), 'the link again');
    networks[0]!.send(1, text('after'));
    await waitFor(() => received.some((r) => r.text === 'after'), 'the frame after');
    assert.deepEqual(received.map((r) => r.text), ['before', 'after']);
  } finally {
    await Promise.all(networks.map((n) => n.close()));
  }
});

test('a closed and restarted peer relinks and delivery resumes both ways', async () => {
  const consortium: Consortium = await createConsortium(3);
  const { networks, ports } = await startNetworks(consortium);
  try {
    await waitFor(() => allConnected(networks), 'all links');
    // Restart the middle validator: it dials 2 and is dialed by 0.
    await networks[1]!.close();
    await waitFor(() => !networks[0]!.stats().perPeer[0]!.connected && !networks[2]!.stats().perPeer[1]!.connected, 'the links down');
    assert.equal(networks[0]!.send(1, text('queued while 1 is down')), true);
    networks[1] = await PeerNetwork.start(networkOptions(consortium, 1, ports));
    const received = networks.map(record);
    await waitFor(() => allConnected(networks), 'the links again');
    networks[1]!.broadcast(text('back'));
    networks[0]!.send(1, text('hello 1'));
    networks[2]!.send(1, text('hello 1 from 2'));
    await waitFor(() => received[1]!.length === 3 && received[0]!.length === 1 && received[2]!.length === 1, 'frames after restart');
    assert.deepEqual(received[1]!.filter((r) => r.from === 0).map((r) => r.text), ['queued while 1 is down', 'hello 1']);
    assert.deepEqual(received[0], [{ from: 1, text: 'back' }]);
    assert.deepEqual(received[2], [{ from: 1, text: 'back' }]);
  } finally {
    await Promise.all(networks.map((n) => n.close()));
  }
});

test('per-peer queues drop and count past their bounds, and deliver what they hold once the peer is up', async () => {
  const consortium = await createConsortium(2);
  // Find a port, then free it: validator 1 is down while 0 queues.
  const probe = await PeerNetwork.start(networkOptions(consortium, 1, [0, 0]));
  const port1 = probe.port;
  await probe.close();
  const sender = await PeerNetwork.start(
    networkOptions(consortium, 0, [0, port1], { peerQueueFramesMax: 10, peerQueueBytesMax: 64 * 1024, frameBytesMax: 16 * 1024 }),
  );
  let receiver: PeerNetwork | undefined;
  try {
    const results = Array.from({ length: 15 }, (_, k) => sender.send(1, text(`frame ${k}`)));
    assert.deepEqual(results, [...Array(10).fill(true), ...Array(5).fill(false)]);
    let stats = sender.stats().perPeer[0]!;
    assert.equal(stats.queuedFrames, 10);
    assert.equal(stats.droppedFrames, 5);
    assert.equal(stats.queuedBytes, 10 * 'frame 0'.length);
    // Oversized and empty frames are refused by send() too.
    assert.equal(sender.send(1, new Uint8Array(16 * 1024 + 1)), false);
    assert.equal(sender.send(1, new Uint8Array(0)), false);
    assert.equal(sender.stats().perPeer[0]!.droppedFrames, 7);

    receiver = await PeerNetwork.start(networkOptions(consortium, 1, [0, port1]));
    const received = record(receiver);
    await waitFor(() => received.length === 10, 'the queued frames');
    assert.deepEqual(received.map((r) => r.text), Array.from({ length: 10 }, (_, k) => `frame ${k}`));
    stats = sender.stats().perPeer[0]!;
    assert.equal(stats.queuedFrames, 0);
    assert.equal(stats.queuedBytes, 0);
    assert.equal(stats.sentFrames, 10);
  } finally {
    await sender.close();
    await receiver?.close();
  }
});

test('the byte bound of a queue drops frames too', async () => {
  const consortium = await createConsortium(2);
  const sender = await PeerNetwork.start(
    networkOptions(consortium, 1, [0, 0], { peerQueueFramesMax: 1000, peerQueueBytesMax: 1000, frameBytesMax: 400 }),
  );
  try {
    // Validator 1 never dials 0, and 0 is not running: everything stays queued.
    const results = [300, 300, 300, 200, 100].map((size) => sender.send(0, new Uint8Array(size)));
    assert.deepEqual(results, [true, true, true, false, true]);
    const stats = sender.stats().perPeer[0]!;
    assert.equal(stats.queuedBytes, 1000);
    assert.equal(stats.droppedFrames, 1);
  } finally {
    await sender.close();
  }
});

test('contradictory options are refused with BAD_OPTIONS', async () => {
  const consortium = await createConsortium(3);
  const base = networkOptions(consortium, 0, [0, 0, 0]);
  const refused = (e: unknown) => e instanceof NetworkError && e.code === 'BAD_OPTIONS';
  const variants = [
    { selfIndex: 3 },
    { validators: [] },
    { validators: [consortium.validators[0]!, consortium.validators[0]!, consortium.validators[1]!] },
    { peers: [{ index: 0, host: '127.0.0.1', port: 1 }] },
    { peers: [{ index: 1, host: '127.0.0.1', port: 1 }, { index: 1, host: '127.0.0.1', port: 2 }] },
    { peers: [{ index: 7, host: '127.0.0.1', port: 1 }] },
    { frameBytesMax: 0 },
    { frameBytesMax: 2 ** 32 },
    { peerQueueBytesMax: 1024, frameBytesMax: 4096 },
    { peerQueueFramesMax: 0 },
    { reconnectDelayMs: 100, reconnectDelayMaxMs: 50 },
    { connectTimeoutMs: 1.5 },
    { validatorCaPems: [consortium.cas[0]!.certificatePem] },
    { tls: { ...base.tls, trustedCaPems: [] } },
  ];
  for (const variant of variants) {
    await assert.rejects(PeerNetwork.start({ ...base, ...variant }), refused, JSON.stringify(Object.keys(variant)));
  }
});

test('close() ends pending handshakes at once, and send() after close returns false', async () => {
  const consortium = await createConsortium(2);
  const network = await PeerNetwork.start(networkOptions(consortium, 1, [0, 0], { connectTimeoutMs: 10_000 }));
  const silent = net.connect(network.port, '127.0.0.1'); // never says a word of TLS
  silent.on('error', () => {});
  await new Promise((resolve) => silent.once('connect', resolve));
  await new Promise((resolve) => setTimeout(resolve, 20));
  const started = Date.now();
  await network.close();
  assert.ok(Date.now() - started < 1000, `close took ${Date.now() - started} ms`);
  assert.equal(network.send(0, text('late')), false);
  await network.close(); // idempotent
});
