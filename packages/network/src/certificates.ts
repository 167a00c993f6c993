// X.509 certificates for the links between validators.
//
// Each organization of the consortium runs its own certificate authority (a self-signed
// ECDSA P-256 CA whose PEM the genesis carries in Organization.tls_ca_certificate) and
// issues one leaf certificate per validator node. The leaf names the validator by a
// subject-alternative-name URI `tongbao:validator:<hex of its consensus public key>`:
// that is what binds a TLS identity to a validator index of the genesis, since the
// index is the position of that key in the validator list.
//
// Certificates are assembled from the ASN.1 schemas of @peculiar/asn1-x509 and signed
// with Node's OpenSSL (node:crypto): key generation, signing, chain verification and
// the TLS handshake all stay in OpenSSL, and the library only writes and reads DER.
import {
  AsnConvert,
  OctetString,
} from '@peculiar/asn1-schema';
import {
  AlgorithmIdentifier,
  AttributeTypeAndValue,
  AttributeValue,
  AuthorityKeyIdentifier,
  BasicConstraints,
  Certificate,
  ExtendedKeyUsage,
  Extension,
  Extensions,
  GeneralName,
  KeyIdentifier,
  KeyUsage,
  KeyUsageFlags,
  Name,
  RelativeDistinguishedName,
  SubjectAlternativeName,
  SubjectKeyIdentifier,
  SubjectPublicKeyInfo,
  TBSCertificate,
  Validity,
  Version,
  id_ce_authorityKeyIdentifier,
  id_ce_basicConstraints,
  id_ce_extKeyUsage,
  id_ce_keyUsage,
  id_ce_subjectAltName,
  id_ce_subjectKeyIdentifier,
  id_kp_clientAuth,
  id_kp_serverAuth,
} from '@peculiar/asn1-x509';
import {
  X509Certificate,
  createHash,
  createPrivateKey,
  generateKeyPair,
  randomBytes,
  sign,
  type KeyObject,
} from 'node:crypto';
import { promisify } from 'node:util';
import { NetworkError } from './errors.js';

/** A certificate and its private key, both PEM. */
export interface CertificateAndKey {
  readonly certificatePem: string;
  readonly privateKeyPem: string;
}

export interface IssueNodeCertificateParams {
  readonly organizationId: string;
  /** The validator's consensus public key, as listed in the genesis. */
  readonly validatorPublicKey: Uint8Array;
  readonly validityDays?: number;
}

/** The SAN URI prefix that names a validator by its consensus public key. */
export const VALIDATOR_URI_PREFIX = 'tongbao:validator:';

export const CA_VALIDITY_DAYS_DEFAULT = 3650;
export const NODE_VALIDITY_DAYS_DEFAULT = 365;
/** Certificates start this long before they are made, for clocks a little behind ours. */
const CLOCK_SKEW_MS = 5 * 60 * 1000;
/** Longest organization id put in a name (X.520 ub-common-name is 64). */
const ORGANIZATION_ID_CHARS_MAX = 64;
/** Longest validator key accepted (Ed25519: 32 bytes, SM2 uncompressed: 65). */
const VALIDATOR_KEY_BYTES_MAX = 128;
const VALIDITY_DAYS_MAX = 36500;

const OID_COMMON_NAME = '2.5.4.3';
const OID_ORGANIZATION = '2.5.4.10';
const OID_ECDSA_WITH_SHA256 = '1.2.840.10045.4.3.2';

const generateKeyPairAsync = promisify(generateKeyPair);

/**
 * A self-signed certificate authority for one organization: ECDSA P-256, CN and O =
 * the organization id, basicConstraints CA (critical, path length 0: it issues node
 * certificates only), keyUsage keyCertSign + cRLSign.
 *
 * @example
 * const ca = await createOrganizationCa('bank-a');
 * // ca.certificatePem goes into the genesis as Organization.tls_ca_certificate
 */
export async function createOrganizationCa(
  organizationId: string,
  options: { validityDays?: number } = {},
): Promise<CertificateAndKey> {
  checkOrganizationId(organizationId);
  const validityDays = checkValidityDays(options.validityDays ?? CA_VALIDITY_DAYS_DEFAULT);
  const { publicKey, privateKey } = await generateKeyPairAsync('ec', { namedCurve: 'prime256v1' });
  const spki = subjectPublicKeyInfo(publicKey);
  const name = distinguishedName(organizationId, organizationId);
  const keyId = keyIdentifier(spki);
  const der = signCertificate(
    {
      issuer: name,
      subject: name,
      spki,
      validityDays,
      extensions: [
        extension(id_ce_basicConstraints, true, new BasicConstraints({ cA: true, pathLenConstraint: 0 })),
        extension(id_ce_keyUsage, true, new KeyUsage(KeyUsageFlags.keyCertSign | KeyUsageFlags.cRLSign)),
        extension(id_ce_subjectKeyIdentifier, false, new SubjectKeyIdentifier(keyId)),
      ],
    },
    privateKey,
  );
  return { certificatePem: derToPem(der, 'CERTIFICATE'), privateKeyPem: exportPrivateKey(privateKey) };
}

/**
 * A validator node's certificate, signed by its organization's CA: ECDSA P-256, CN =
 * `validator <first 8 bytes of the key in hex>`, O = the organization id, a SAN URI
 * `tongbao:validator:<hex of the consensus public key>`, keyUsage digitalSignature,
 * extendedKeyUsage serverAuth + clientAuth (each node both dials and accepts).
 *
 * @example
 * const node = await issueNodeCertificate(ca, { organizationId: 'bank-a', validatorPublicKey });
 */
export async function issueNodeCertificate(
  ca: CertificateAndKey,
  params: IssueNodeCertificateParams,
): Promise<CertificateAndKey> {
  checkOrganizationId(params.organizationId);
  const validatorKey = params.validatorPublicKey;
  if (!(validatorKey instanceof Uint8Array) || validatorKey.length === 0 || validatorKey.length > VALIDATOR_KEY_BYTES_MAX) {
    throw new NetworkError('BAD_CERTIFICATE', `validator public key must be 1..${VALIDATOR_KEY_BYTES_MAX} bytes`);
  }
  const validityDays = checkValidityDays(params.validityDays ?? NODE_VALIDITY_DAYS_DEFAULT);
  let caCertificate: X509Certificate;
  let caKey: KeyObject;
  try {
    caCertificate = new X509Certificate(ca.certificatePem);
    caKey = createPrivateKey(ca.privateKeyPem);
  } catch (cause) {
    throw new NetworkError('BAD_CERTIFICATE', 'the CA certificate or key does not parse', { cause });
  }
  if (!caCertificate.ca) throw new NetworkError('BAD_CERTIFICATE', 'the issuing certificate is not a CA');
  if (!caCertificate.checkPrivateKey(caKey)) {
    throw new NetworkError('BAD_CERTIFICATE', 'the CA private key does not match the CA certificate');
  }
  const caParsed = AsnConvert.parse(caCertificate.raw, Certificate);
  const caKeyId = keyIdentifier(caParsed.tbsCertificate.subjectPublicKeyInfo);

  const { publicKey, privateKey } = await generateKeyPairAsync('ec', { namedCurve: 'prime256v1' });
  const spki = subjectPublicKeyInfo(publicKey);
  const hex = Buffer.from(validatorKey).toString('hex');
  const der = signCertificate(
    {
      issuer: caParsed.tbsCertificate.subject,
      subject: distinguishedName(`validator ${hex.slice(0, 16)}`, params.organizationId),
      spki,
      validityDays,
      extensions: [
        extension(id_ce_basicConstraints, true, new BasicConstraints({ cA: false })),
        extension(id_ce_keyUsage, true, new KeyUsage(KeyUsageFlags.digitalSignature)),
        extension(id_ce_extKeyUsage, false, new ExtendedKeyUsage([id_kp_serverAuth, id_kp_clientAuth])),
        extension(
          id_ce_subjectAltName,
          false,
          new SubjectAlternativeName([new GeneralName({ uniformResourceIdentifier: VALIDATOR_URI_PREFIX + hex })]),
        ),
        extension(id_ce_subjectKeyIdentifier, false, new SubjectKeyIdentifier(keyIdentifier(spki))),
        extension(id_ce_authorityKeyIdentifier, false, new AuthorityKeyIdentifier({ keyIdentifier: new KeyIdentifier(caKeyId) })),
      ],
    },
    caKey,
  );
  return { certificatePem: derToPem(der, 'CERTIFICATE'), privateKeyPem: exportPrivateKey(privateKey) };
}

/**
 * The consensus public key a node certificate names (its one `tongbao:validator:` SAN
 * URI), or undefined when it names none, names several, or does not parse. Takes the
 * certificate as PEM, DER, a node:crypto X509Certificate, or what
 * `tls.TLSSocket.getPeerCertificate()` returns (its `raw` DER is read).
 *
 * This reads a name; it does not verify a signature. The TLS handshake has already
 * checked the chain to a trusted CA when a peer's certificate reaches it.
 */
export function validatorKeyFromCertificate(
  peerCertificate: string | Uint8Array | X509Certificate | { readonly raw?: Uint8Array },
): Uint8Array | undefined {
  let der: Uint8Array | undefined;
  try {
    if (typeof peerCertificate === 'string') der = new X509Certificate(peerCertificate).raw;
    else if (peerCertificate instanceof X509Certificate) der = peerCertificate.raw;
    else if (peerCertificate instanceof Uint8Array) der = peerCertificate;
    else if (peerCertificate !== null && typeof peerCertificate === 'object' && peerCertificate.raw instanceof Uint8Array) der = peerCertificate.raw;
    if (der === undefined || der.length === 0) return undefined;
    const certificate = AsnConvert.parse(der, Certificate);
    const extensions = certificate.tbsCertificate.extensions ?? [];
    const sanExtensions = extensions.filter((e) => e.extnID === id_ce_subjectAltName);
    if (sanExtensions.length !== 1) return undefined;
    const names = AsnConvert.parse(sanExtensions[0]!.extnValue.buffer, SubjectAlternativeName);
    const uris = names
      .map((n) => n.uniformResourceIdentifier)
      .filter((u): u is string => u !== undefined && u.startsWith(VALIDATOR_URI_PREFIX));
    if (uris.length !== 1) return undefined;
    const hex = uris[0]!.slice(VALIDATOR_URI_PREFIX.length);
    // Canonical lower-case hex only: one key, one spelling.
    if (hex.length === 0 || hex.length % 2 !== 0 || hex.length > 2 * VALIDATOR_KEY_BYTES_MAX || !/^[0-9a-f]+$/.test(hex)) return undefined;
    return new Uint8Array(Buffer.from(hex, 'hex'));
  } catch {
    return undefined;
  }
}

// ── helpers ──────────────────────────────────────────────────────────────────────

interface CertificateDraft {
  readonly issuer: Name;
  readonly subject: Name;
  readonly spki: SubjectPublicKeyInfo;
  readonly validityDays: number;
  readonly extensions: Extension[];
}

function signCertificate(draft: CertificateDraft, issuerKey: KeyObject): Uint8Array {
  const signatureAlgorithm = new AlgorithmIdentifier({ algorithm: OID_ECDSA_WITH_SHA256 });
  const now = Date.now();
  const tbsCertificate = new TBSCertificate({
    version: Version.v3,
    serialNumber: serialNumber(),
    signature: signatureAlgorithm,
    issuer: draft.issuer,
    validity: new Validity({
      notBefore: wholeSeconds(now - CLOCK_SKEW_MS),
      notAfter: wholeSeconds(now + draft.validityDays * 24 * 60 * 60 * 1000),
    }),
    subject: draft.subject,
    subjectPublicKeyInfo: draft.spki,
    extensions: new Extensions(draft.extensions),
  });
  const tbsDer = new Uint8Array(AsnConvert.serialize(tbsCertificate));
  // ECDSA with SHA-256; node:crypto returns the DER Ecdsa-Sig-Value X.509 expects.
  const signature = sign('sha256', tbsDer, issuerKey);
  const certificate = new Certificate({
    tbsCertificate,
    signatureAlgorithm,
    signatureValue: toArrayBuffer(signature),
  });
  return new Uint8Array(AsnConvert.serialize(certificate));
}

function extension(extnID: string, critical: boolean, value: unknown): Extension {
  return new Extension({ extnID, critical, extnValue: new OctetString(AsnConvert.serialize(value)) });
}

function distinguishedName(commonName: string, organization: string): Name {
  const attribute = (type: string, value: string): RelativeDistinguishedName =>
    new RelativeDistinguishedName([new AttributeTypeAndValue({ type, value: new AttributeValue({ utf8String: value }) })]);
  return new Name([attribute(OID_ORGANIZATION, organization), attribute(OID_COMMON_NAME, commonName)]);
}

function subjectPublicKeyInfo(publicKey: KeyObject): SubjectPublicKeyInfo {
  return AsnConvert.parse(publicKey.export({ type: 'spki', format: 'der' }), SubjectPublicKeyInfo);
}

/** RFC 5280 §4.2.1.2 method (1): SHA-1 of the subjectPublicKey bit string. */
function keyIdentifier(spki: SubjectPublicKeyInfo): ArrayBuffer {
  return toArrayBuffer(createHash('sha1').update(new Uint8Array(spki.subjectPublicKey)).digest());
}

/** 16 random bytes, positive and without a leading zero byte (RFC 5280 §4.1.2.2). */
function serialNumber(): ArrayBuffer {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0]! & 0x7f) | 0x40;
  return toArrayBuffer(bytes);
}

function wholeSeconds(ms: number): Date {
  return new Date(Math.floor(ms / 1000) * 1000);
}

function exportPrivateKey(key: KeyObject): string {
  return key.export({ type: 'pkcs8', format: 'pem' }).toString();
}

function derToPem(der: Uint8Array, label: string): string {
  const base64 = Buffer.from(der).toString('base64');
  const lines = base64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  const copy = new Uint8Array(bytes.length);
  copy.set(bytes);
  return copy.buffer;
}

function checkOrganizationId(organizationId: string): void {
  if (typeof organizationId !== 'string' || organizationId.length === 0 || organizationId.length > ORGANIZATION_ID_CHARS_MAX) {
    throw new NetworkError('BAD_CERTIFICATE', `organization id must be 1..${ORGANIZATION_ID_CHARS_MAX} characters`);
  }
}

function checkValidityDays(days: number): number {
  if (!Number.isInteger(days) || days < 1 || days > VALIDITY_DAYS_MAX) {
    throw new NetworkError('BAD_CERTIFICATE', `validityDays must be an integer in 1..${VALIDITY_DAYS_MAX}`, { details: { days } });
  }
  return days;
}
