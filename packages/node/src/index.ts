export { Ledger, LedgerError, type BlockTimings, type ProduceOptions, type ProducedBlock, type RejectedTransaction } from './ledger/ledger.js';
export { auditConservation } from './ledger/audit-conservation.js';
export { createDemoConsortium, type DemoConsortium, type DemoConsortiumOptions, type DemoMember, type DemoValidator } from './genesis/demo-consortium.js';
export { command, NonceSigner } from './demo/signer.js';
export { TongbaoNode, type StartOptions } from './node.js';
export { initNetwork, loadNodeHome, readKeyFile, readGenesisFile, DEFAULT_API_PORT_BASE, CONFIG_FILE, type InitOptions, type InitializedNetwork, type NodeHome } from './home/home.js';
export { auditChain, auditNodeHome, AuditViolation, type AuditSummary, type AuditProgress } from './audit/audit.js';
export { peerNetworkOptions, parsePeers, splitHostPort } from './home/peer-network-options.js';
export { parseConfig, renderDefaultConfig, ConfigError, type NodeConfig } from './config/config.js';
