import {
  bytesToHex,
  clone,
  CommandSchema,
  create,
  EvidenceSchema,
  ProposalSchema,
  signTransaction,
  SubmitEvidenceSchema,
  type api,
  type Evidence,
  type KeyPair,
  type SuiteName,
} from '@tongbao/protocol';
import type { Logger } from 'pino';

/** Evidence already handed on, remembered so that each is submitted once; the oldest are forgotten first. */
const REPORTED_EVIDENCE_REMEMBERED_MAX = 4_096;

export interface EvidenceReporterOptions {
  readonly suite: SuiteName;
  readonly chainId: string;
  /** The node's validator key: validator keys may sign SubmitEvidence (execution's rule). */
  readonly keys: KeyPair;
  /**
   * The key's next nonce: the one after its transactions waiting in the mempool, else the
   * committed one; undefined if the chain does not know the key.
   */
  readonly nextNonce: () => bigint | undefined;
  /** The node's own way in for transactions: verification, then the mempool. */
  readonly submit: (transaction: Uint8Array) => Promise<api.SubmitResult>;
  readonly logger: Logger;
}

/** What became of one piece of evidence. */
export type ReportOutcome =
  | { readonly kind: 'submitted'; readonly id: string; readonly nonce: bigint }
  | { readonly kind: 'rejected'; readonly code: string; readonly message: string }
  | { readonly kind: 'duplicate' }
  | { readonly kind: 'unknown-key' };

/** The misbehaviour the evidence shows, as text: evidence of one misbehaviour is reported once. */
function misbehaviourKey(evidence: Evidence): string {
  const kind = evidence.kind;
  if (kind.case === 'conflictingVotes') {
    const data = kind.value.first?.data;
    return `votes/${kind.value.first?.voter}/${data?.epoch}/${data?.round}`;
  }
  if (kind.case === 'conflictingProposals') {
    const block = kind.value.first?.block;
    return `proposals/${block?.proposer}/${block?.epoch}/${block?.round}`;
  }
  return 'none';
}

/**
 * Turns the consensus core's `evidence` effects into SubmitEvidence transactions signed
 * with this node's validator key and admitted through the node's own mempool, so the
 * misbehaviour is recorded on chain. Every honest validator that sees it reports it: the
 * first copy is recorded, the others get EVIDENCE_ALREADY_RECORDED, which costs nothing
 * but a nonce and is what makes the record not depend on any one validator.
 *
 * Reports go one at a time, each taking its nonce after the previous one was admitted or
 * refused, so two reports never sign with the same nonce and a refused one leaves no gap.
 * The consensus driver does not wait for them.
 */
export class EvidenceReporter {
  private readonly reported = new Set<string>();
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: EvidenceReporterOptions) {}

  /** Submits the evidence (once per misbehaviour); the promise never rejects. */
  report(evidence: Evidence): Promise<ReportOutcome> {
    const key = misbehaviourKey(evidence);
    if (this.reported.has(key)) return Promise.resolve({ kind: 'duplicate' });
    this.reported.add(key);
    if (this.reported.size > REPORTED_EVIDENCE_REMEMBERED_MAX) this.reported.delete(this.reported.values().next().value!);
    const outcome = this.queue.then(() => this.submit(evidence, key));
    this.queue = outcome;
    return outcome;
  }

  /** Resolves once every report made so far has been admitted or refused. */
  async settled(): Promise<void> {
    await this.queue;
  }

  private async submit(evidence: Evidence, key: string): Promise<ReportOutcome> {
    const { logger } = this.options;
    try {
      const nonce = this.options.nextNonce();
      if (nonce === undefined) {
        logger.error({ misbehaviour: key, validator: bytesToHex(this.options.keys.publicKey) }, 'cannot report misbehaviour: the chain knows no signer record for this validator key');
        return { kind: 'unknown-key' };
      }
      const command = create(CommandSchema, { kind: { case: 'submitEvidence', value: create(SubmitEvidenceSchema, { evidence: withoutUnsignedParts(evidence) }) } });
      const bytes = signTransaction(this.options.suite, this.options.chainId, this.options.keys.secretKey, { sender: this.options.keys.publicKey, nonce, command });
      const result = await this.options.submit(bytes);
      if (result.status === 'rejected') {
        const code = result.error?.code ?? 'UNKNOWN';
        const message = result.error?.message ?? '';
        // Another validator's copy got there first: the misbehaviour is on record.
        if (code === 'EVIDENCE_ALREADY_RECORDED') logger.info({ misbehaviour: key }, 'misbehaviour already recorded');
        else logger.warn({ misbehaviour: key, code, message }, 'misbehaviour evidence refused');
        return { kind: 'rejected', code, message };
      }
      logger.warn({ misbehaviour: key, id: result.id, nonce: String(nonce) }, 'misbehaviour evidence submitted');
      return { kind: 'submitted', id: result.id ?? '', nonce };
    } catch (error) {
      // Reporting is best effort beside consensus: a failure here must not stop the node.
      logger.error({ err: error, misbehaviour: key }, 'reporting misbehaviour failed');
      return { kind: 'rejected', code: 'INTERNAL', message: (error as Error).message };
    }
  }
}

/**
 * The evidence as it is submitted: a proposal's timeout certificate rides beside the block
 * and no signature of the proposer covers it, so it proves nothing and only makes the
 * transaction larger (execution drops it anyway).
 */
function withoutUnsignedParts(evidence: Evidence): Evidence {
  if (evidence.kind.case !== 'conflictingProposals') return evidence;
  const copy = clone(EvidenceSchema, evidence);
  if (copy.kind.case !== 'conflictingProposals') return copy;
  const { first, second } = copy.kind.value;
  if (first !== undefined) copy.kind.value.first = create(ProposalSchema, { block: first.block, signature: first.signature });
  if (second !== undefined) copy.kind.value.second = create(ProposalSchema, { block: second.block, signature: second.signature });
  return copy;
}
