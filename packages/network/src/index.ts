export * from './errors.js';
export {
  CA_VALIDITY_DAYS_DEFAULT,
  NODE_VALIDITY_DAYS_DEFAULT,
  VALIDATOR_URI_PREFIX,
  createOrganizationCa,
  issueNodeCertificate,
  validatorKeyFromCertificate,
  type CertificateAndKey,
  type IssueNodeCertificateParams,
} from './certificates.js';
export { FRAME_BYTES_LIMIT, FRAME_HEADER_BYTES, FrameDecoder, encodeFrameHeader, type FrameFault } from './frames.js';
export { PeerNetwork, type PeerNetworkOptions, type PeerNetworkStats, type PeerStats } from './peer-network.js';
