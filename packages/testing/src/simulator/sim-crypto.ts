/**
 * A simulated signature scheme: fast, deterministic, and unforgeable within the
 * simulation. A signature is a keyed 64-bit digest of the message under the signer's
 * secret; verification looks the secret up by public key, as an ideal-signature oracle
 * would. Byzantine code in the simulator never reads other validators' secrets, so it
 * can only forge by guessing, which the checks reject. The real suites are tested in
 * protocol; here speed buys thousands of seeds.
 */
import { createHash } from 'node:crypto';
import { bytesToHex } from '@tongbao/protocol';

export interface SimKey {
  readonly publicKey: Uint8Array;
  readonly secret: number;
}

function digest64(secret: number, message: Uint8Array): Uint8Array {
  // Two independent FNV-1a lanes, seeded by the secret.
  let h1 = (0x811c9dc5 ^ secret) >>> 0;
  let h2 = (0x01000193 ^ Math.imul(secret, 0x9e3779b1)) >>> 0;
  for (let i = 0; i < message.length; i++) {
    const byte = message[i]!;
    h1 = Math.imul(h1 ^ byte, 0x01000193) >>> 0;
    h2 = Math.imul(h2 ^ byte, 0x5bd1e995) >>> 0;
    h2 ^= h2 >>> 15;
  }
  const out = new Uint8Array(8);
  const view = new DataView(out.buffer);
  view.setUint32(0, h1);
  view.setUint32(4, h2 >>> 0);
  return out;
}

export class SimSignatures {
  readonly #secrets = new Map<string, number>();

  key(index: number): SimKey {
    const publicKey = new Uint8Array(32);
    publicKey[0] = 0xaa;
    new DataView(publicKey.buffer).setUint32(1, index);
    const secret = (Math.imul(index + 1, 0x27d4eb2d) ^ 0x5f356495) >>> 0;
    this.#secrets.set(bytesToHex(publicKey), secret);
    return { publicKey, secret };
  }

  sign(key: SimKey, message: Uint8Array): Uint8Array {
    return digest64(key.secret, message);
  }

  readonly verify = (publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean => {
    const secret = this.#secrets.get(bytesToHex(publicKey));
    if (secret === undefined || signature.length !== 8) return false;
    const expected = digest64(secret, message);
    for (let i = 0; i < 8; i++) if (expected[i] !== signature[i]) return false;
    return true;
  };
}

export function sha256(data: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update(data).digest());
}
