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
