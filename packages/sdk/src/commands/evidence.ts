/**
 * The builder for misbehaviour evidence (`SubmitEvidence` in the Command oneof of
 * proto/tongbao/v1/transaction.proto). Nodes submit it themselves when their consensus
 * core sees a validator sign two conflicting messages; this builder is for operators and
 * auditors who hold such a pair from elsewhere (logs, another node). Any organization key
 * or validator key may sign it; the chain judges the evidence and records it once.
 */
import { clone, CommandSchema, EvidenceSchema, SubmitEvidenceSchema, create, type Command, type Evidence } from '@tongbao/protocol/portable';
import { InvalidParameterError } from '../errors.js';

export interface SubmitEvidenceParameters {
  /** Two conflicting votes, or two conflicting proposals, of one validator, as signed. */
  readonly evidence: Evidence;
}
/**
 * Organization or validator: submits proof of a validator's misbehaviour.
 * @example
 * submitEvidenceCommand({ evidence: create(EvidenceSchema, { kind: { case: 'conflictingVotes', value: { first, second } } }) })
 */
export function submitEvidenceCommand(parameters: SubmitEvidenceParameters): Command {
  const evidence = parameters.evidence as Evidence | undefined;
  if (evidence?.$typeName !== EvidenceSchema.typeName || (evidence.kind.case !== 'conflictingVotes' && evidence.kind.case !== 'conflictingProposals')) {
    throw new InvalidParameterError('evidence must be a tongbao.v1.Evidence holding conflicting votes or conflicting proposals', {
      details: { parameter: 'evidence' },
    });
  }
  const value = create(SubmitEvidenceSchema, { evidence: clone(EvidenceSchema, evidence) });
  return create(CommandSchema, { kind: { case: 'submitEvidence', value } });
}
