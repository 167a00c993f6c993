// Fixtures for the network's tests: a consortium of organizations with their CAs and
// validator certificates, networks of PeerNetworks on 127.0.0.1, and a polling wait.
// Used by tests only; not exported from the package.
import { randomBytes } from 'node:crypto';
import { createOrganizationCa, issueNodeCertificate, type CertificateAndKey } from '../certificates.js';
import { PeerNetwork, type PeerNetworkOptions } from '../peer-network.js';

export interface Consortium {
  readonly validators: Uint8Array[];
  /** One CA per validator (validator i belongs to organization `org-i`). */
  readonly cas: CertificateAndKey[];
  readonly nodes: CertificateAndKey[];
}

export async function createConsortium(n: number): Promise<Consortium> {
  const validators = Array.from({ length: n }, () => new Uint8Array(randomBytes(32)));
  const cas = await Promise.all(validators.map((_, i) => createOrganizationCa(`org-${i}`)));
  const nodes = await Promise.all(
    validators.map((validatorPublicKey, i) => issueNodeCertificate(cas[i]!, { organizationId: `org-${i}`, validatorPublicKey })),
  );
  return { validators, cas, nodes };
}

export const TEST_LIMITS = {
  frameBytesMax: 64 * 1024,
  peerQueueFramesMax: 1000,
  peerQueueBytesMax: 1024 * 1024,
  reconnectDelayMs: 20,
  reconnectDelayMaxMs: 200,
  connectTimeoutMs: 2000,
} as const;

export function networkOptions(
  consortium: Consortium,
  selfIndex: number,
  ports: readonly number[],
  overrides: Partial<PeerNetworkOptions> = {},
): PeerNetworkOptions {
  return {
    selfIndex,
    validators: consortium.validators,
    listen: { host: '127.0.0.1', port: ports[selfIndex] ?? 0 },
    peers: consortium.validators
      .map((_, index) => ({ index, host: '127.0.0.1', port: ports[index] ?? 0 }))
      .filter((peer) => peer.index !== selfIndex),
    tls: { ...consortium.nodes[selfIndex]!, trustedCaPems: consortium.cas.map((ca) => ca.certificatePem) },
    validatorCaPems: consortium.cas.map((ca) => ca.certificatePem),
    ...TEST_LIMITS,
    ...overrides,
  };
}

/**
 * Starts one network per validator. The lower index dials the higher, so they start
 * from the highest index down: each dialer then knows the ports of those it dials.
 */
export async function startNetworks(
  consortium: Consortium,
  overrides: (index: number) => Partial<PeerNetworkOptions> = () => ({}),
): Promise<{ networks: PeerNetwork[]; ports: number[] }> {
  const n = consortium.validators.length;
  const networks: PeerNetwork[] = new Array(n);
  const ports: number[] = new Array(n).fill(0);
  for (let i = n - 1; i >= 0; i--) {
    networks[i] = await PeerNetwork.start(networkOptions(consortium, i, ports, overrides(i)));
    ports[i] = networks[i]!.port;
  }
  return { networks, ports };
}

export async function waitFor(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

export function allConnected(networks: readonly PeerNetwork[]): boolean {
  return networks.every((network) => network.stats().perPeer.every((peer) => peer.connected));
}

/** `promise`, or a rejection naming `what` after `timeoutMs`. */
export async function within<T>(promise: Promise<T>, what: string, timeoutMs = 3000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), timeoutMs);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
