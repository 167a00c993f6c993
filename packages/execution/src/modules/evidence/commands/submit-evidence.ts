import { assert, type SubmitEvidence } from '@tongbao/protocol';
import { misbehaviourEvent } from '../../../codec/receipt.js';
import { CONFIG_PATH } from '../../../keys.js';
import { isRejection, type CommandHandler } from '../../context.js';
import { configStore } from '../../governance/store.js';
import { checkEvidenceShape, evidenceRecordOf, examineEvidence } from '../examine.js';
import { evidenceStore } from '../store.js';

/**
 * Enter: someone holds two messages one validator signed that no honest validator signs
 * (its node's consensus core reported them). The misbehaviour is recorded once, under
 * (validator, epoch, kind, round), with a `misbehaviour` event in the receipt.
 *
 * Who may submit: any organization's key or any validator's key ('consortium-member'),
 * not wallet owners. The proof speaks for itself — both halves carry the validator's
 * signature — so the submitter's identity adds nothing to it; what the restriction buys
 * is accountability for the cost. Judging evidence verifies two signatures inside the
 * block, on the one core that executes it, which a payment never does; letting every
 * anonymous wallet key submit would let anyone make every node do that work with junk.
 * Consortium members are known and answerable, and validator keys must be able to sign
 * it, since that is the key a node holds and reports with.
 */
export const submitEvidence: CommandHandler<SubmitEvidence> = {
  authority: 'consortium-member',
  verify: checkEvidenceShape,
  execute(ctx, command) {
    const misconduct = examineEvidence(ctx.state, ctx.config, command);
    if (isRejection(misconduct)) return misconduct;
    ctx.state.set(evidenceStore, misconduct.path, evidenceRecordOf(misconduct, ctx.block.height, ctx.sender));
    ctx.events.push(misbehaviourEvent(misconduct.validator.publicKey, misconduct.validatorIndex, misconduct.kind, misconduct.epoch, misconduct.round));
    return undefined;
  },
  // The mempool turns away evidence that proves nothing or is already on record, so it
  // does not take block space; copies from several honest validators that race into one
  // block still get EVIDENCE_ALREADY_RECORDED receipts, all but the first.
  check(state, command) {
    const config = state.get(configStore, CONFIG_PATH);
    assert(config !== undefined, 'state holds the chain config written by initChain');
    const misconduct = examineEvidence(state, config, command);
    return isRejection(misconduct) ? misconduct : undefined;
  },
};
