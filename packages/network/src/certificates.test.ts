// Certificates: an organization CA and a node certificate it issues are checked with
// node:crypto's X509Certificate (OpenSSL) — CA flags, issuer link, signature, extended
// key usage — and the validator key written into the SAN URI reads back unchanged from
// every accepted input shape; certificates without that SAN, or with a malformed one,
// read back as undefined; bad parameters are refused with typed errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate, createPrivateKey, randomBytes } from 'node:crypto';
import {
  VALIDATOR_URI_PREFIX,
  createOrganizationCa,
  issueNodeCertificate,
  validatorKeyFromCertificate,
} from './certificates.js';
import { NetworkError } from './errors.js';

test('an organization CA is self-signed, a CA, named by the organization id', async () => {
  const ca = await createOrganizationCa('bank-a', { validityDays: 30 });
  const x = new X509Certificate(ca.certificatePem);
  assert.equal(x.ca, true);
  assert.match(x.subject, /CN=bank-a/);
  assert.equal(x.subject, x.issuer);
  assert.ok(x.verify(x.publicKey));
  assert.equal(x.publicKey.asymmetricKeyDetails?.namedCurve, 'prime256v1');
  const days = (Date.parse(x.validTo) - Date.parse(x.validFrom)) / 86_400_000;
  assert.ok(days > 30 && days < 31, `validity ${days} days`);
  assert.equal(validatorKeyFromCertificate(ca.certificatePem), undefined, 'a CA names no validator');
});

test('a node certificate is signed by its CA and its validator key reads back', async () => {
  const ca = await createOrganizationCa('bank-a');
  for (const length of [32, 65]) {
    const validatorPublicKey = new Uint8Array(randomBytes(length));
    const node = await issueNodeCertificate(ca, { organizationId: 'bank-a', validatorPublicKey });
    const x = new X509Certificate(node.certificatePem);
    const caX = new X509Certificate(ca.certificatePem);
    assert.equal(x.ca, false);
    assert.ok(x.checkIssued(caX));
    assert.ok(x.verify(caX.publicKey), 'signed by the CA key');
    assert.ok(x.checkPrivateKey(createPrivateKey(node.privateKeyPem)));
    assert.deepEqual([...(x.keyUsage ?? [])].sort(), ['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2']);
    assert.equal(x.subjectAltName, `URI:${VALIDATOR_URI_PREFIX}${Buffer.from(validatorPublicKey).toString('hex')}`);
    assert.match(x.subject, /O=bank-a/);
    // Every accepted shape reads back the same key.
    assert.deepEqual(validatorKeyFromCertificate(node.certificatePem), validatorPublicKey);
    assert.deepEqual(validatorKeyFromCertificate(x), validatorPublicKey);
    assert.deepEqual(validatorKeyFromCertificate(new Uint8Array(x.raw)), validatorPublicKey);
    assert.deepEqual(validatorKeyFromCertificate({ raw: x.raw }), validatorPublicKey);
  }
});

test('a node certificate is not verified by another organization CA', async () => {
  const caA = await createOrganizationCa('bank-a');
  const caB = await createOrganizationCa('bank-b');
  const node = await issueNodeCertificate(caA, { organizationId: 'bank-a', validatorPublicKey: new Uint8Array(32).fill(1) });
  const x = new X509Certificate(node.certificatePem);
  assert.equal(x.verify(new X509Certificate(caB.certificatePem).publicKey), false);
});

test('garbage and empty inputs read back as undefined, never throw', () => {
  for (const input of [new Uint8Array(0), new Uint8Array(randomBytes(300)), 'not a pem', {}, { raw: new Uint8Array([0x30, 0x03, 0x02, 0x01]) }]) {
    assert.equal(validatorKeyFromCertificate(input as Uint8Array), undefined);
  }
});

test('bad parameters are refused with BAD_CERTIFICATE', async () => {
  const ca = await createOrganizationCa('bank-a');
  const node = await issueNodeCertificate(ca, { organizationId: 'bank-a', validatorPublicKey: new Uint8Array(32) });
  const refused = (e: unknown) => e instanceof NetworkError && e.code === 'BAD_CERTIFICATE';
  await assert.rejects(createOrganizationCa(''), refused);
  await assert.rejects(createOrganizationCa('x', { validityDays: 0 }), refused);
  await assert.rejects(issueNodeCertificate(ca, { organizationId: 'bank-a', validatorPublicKey: new Uint8Array(0) }), refused);
  // A leaf cannot issue: it is not a CA.
  await assert.rejects(issueNodeCertificate(node, { organizationId: 'bank-a', validatorPublicKey: new Uint8Array(32) }), refused);
  // A CA with someone else's key.
  await assert.rejects(
    issueNodeCertificate({ certificatePem: ca.certificatePem, privateKeyPem: node.privateKeyPem }, { organizationId: 'bank-a', validatorPublicKey: new Uint8Array(32) }),
    refused,
  );
});
