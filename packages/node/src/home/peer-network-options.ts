import { readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { bytesToUtf8 } from '@tongbao/protocol';
import type { PeerNetworkOptions } from '@tongbao/network';
import type { NodeHome } from './home.js';

/** `127.0.0.1:27000` or `[::1]:27000` → host and port. */
export function splitHostPort(address: string): [string, number] {
  const at = address.lastIndexOf(':');
  return [address.slice(0, at).replace(/^\[|\]$/g, ''), Number(address.slice(at + 1))];
}

/** `0@127.0.0.1:27000,2@127.0.0.1:27002` → peer addresses; `-` → none. */
export function parsePeers(peers: string): { index: number; host: string; port: number }[] {
  if (peers === '-') return [];
  return peers.split(',').map((entry) => {
    const at = entry.indexOf('@');
    const [host, port] = splitHostPort(entry.slice(at + 1));
    return { index: Number(entry.slice(0, at)), host, port };
  });
}

/**
 * What the validator network of the node in `home` runs with, as validator `selfIndex`:
 * addresses and limits from its tongbao.toml, its TLS identity, and the genesis
 * organizations' CAs (each validator's certificate must come from its own organization's).
 */
export function peerNetworkOptions(home: NodeHome, selfIndex: number): PeerNetworkOptions {
  const { config, genesis } = home;
  const [host, port] = splitHostPort(config.network.listen);
  const read = (path: string): string => readFileSync(isAbsolute(path) ? path : join(home.home, path), 'utf8');
  const caOf = (organizationId: string): string => bytesToUtf8(genesis.organizations.find((o) => o.id === organizationId)?.tlsCaCertificate ?? new Uint8Array());
  return {
    selfIndex,
    validators: genesis.validators.map((v) => v.publicKey),
    listen: { host, port },
    peers: parsePeers(config.network.peers),
    tls: {
      certificatePem: read(config.network.tlsCertificateFile),
      privateKeyPem: read(config.network.tlsKeyFile),
      trustedCaPems: genesis.organizations.filter((o) => o.tlsCaCertificate.length > 0).map((o) => bytesToUtf8(o.tlsCaCertificate)),
    },
    validatorCaPems: genesis.validators.map((v) => caOf(v.organizationId)),
    frameBytesMax: config.network.frameBytesMax,
    peerQueueFramesMax: config.network.peerQueueFramesMax,
    peerQueueBytesMax: config.network.peerQueueBytesMax,
    reconnectDelayMs: config.network.reconnectDelayMs,
    reconnectDelayMaxMs: config.network.reconnectDelayMaxMs,
    connectTimeoutMs: config.network.connectTimeoutMs,
  };
}
