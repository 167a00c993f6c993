export { Ledger, LedgerError, type BlockTimings, type ProduceOptions, type ProducedBlock, type RejectedTransaction } from './ledger/ledger.js';
export { auditConservation } from './ledger/audit-conservation.js';
export { createDemoConsortium, type DemoConsortium, type DemoConsortiumOptions, type DemoMember, type DemoValidator } from './genesis/demo-consortium.js';
export { command, NonceSigner } from './demo/signer.js';
