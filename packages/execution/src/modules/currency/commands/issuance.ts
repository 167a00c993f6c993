import {
  assert,
  create,
  IssuanceRequestSchema,
  IssuanceRequestStatus,
  Role,
  TransferKind,
  type ApproveIssuance,
  type Organization,
  type Redeem,
  type RejectIssuance,
  type RequestIssuance,
  type SetQuota,
} from '@tongbao/protocol';
import { formatYuan } from '../../../format.js';
import { ISSUANCE_ACCOUNT_ID, issuanceRequestPath, organizationPath, quotaPath, vaultAccountId } from '../../../keys.js';
import { reject, type Rejection } from '../../../result-codes.js';
import type { RecordReader } from '../../../state-overlay.js';
import { isRejection, signingOrganization, type CommandContext, type CommandHandler } from '../../context.js';
import { organizationStore } from '../../governance/store.js';
import { transfer } from '../ledger.js';
import { rejectionReasonBytesMax, reserveReferenceBytesMax } from '../limits.js';
import { issuanceRequestStore, quotaStore } from '../store.js';
import { checkAmount, checkIdentifier, checkText, firstRejection } from '../validate.js';

/**
 * Two-tier issuance: the central bank sets quotas and approves; operators request and
 * redeem. Currency enters circulation only through ApproveIssuance of a recorded
 * RequestIssuance, so every issued fen carries two signatures.
 */

/** The operator organization named by a central-bank command, or the rejection. */
function findOperator(state: RecordReader, operatorId: string): Organization | Rejection {
  const organization = state.get(organizationStore, organizationPath(operatorId));
  if (organization === undefined || organization.role !== Role.OPERATOR) {
    return reject('UNKNOWN_OPERATOR', `"${operatorId}" is not an operator of this chain`);
  }
  return organization;
}


/** Enter: the central bank sets an operator's maximum outstanding issuance. */
export const setQuota: CommandHandler<SetQuota> = {
  authority: 'central-bank',
  verify: (command) => checkIdentifier('operator_id', command.operatorId),
  execute(ctx, command) {
    const operator = findOperator(ctx.state, command.operatorId);
    if (isRejection(operator)) return operator;
    const path = quotaPath(command.operatorId);
    const quota = ctx.state.get(quotaStore, path);
    assert(quota !== undefined, 'every operator has a quota record from genesis');
    // A quota below the outstanding amount is allowed: it stops further approvals.
    ctx.state.set(quotaStore, path, { ...quota, quota: command.quota });
    return undefined;
  },
};

/** Enter: an operator asks for currency against reserves it holds at the central bank. */
export const requestIssuance: CommandHandler<RequestIssuance> = {
  authority: 'operator',
  verify: (command) =>
    firstRejection(
      checkIdentifier('request_id', command.requestId),
      checkAmount('amount', command.amount),
      checkText('reserve_reference', command.reserveReference, reserveReferenceBytesMax, true),
    ),
  execute(ctx, command) {
    const operatorId = signingOrganization(ctx).id;
    const path = issuanceRequestPath(operatorId, command.requestId);
    if (ctx.state.get(issuanceRequestStore, path) !== undefined) {
      return reject('REQUEST_ID_USED', `operator ${operatorId} already used issuance request id "${command.requestId}"; choose a new id`);
    }
    ctx.state.set(
      issuanceRequestStore,
      path,
      create(IssuanceRequestSchema, {
        operatorId,
        requestId: command.requestId,
        amount: command.amount,
        reserveReference: command.reserveReference,
        status: IssuanceRequestStatus.PENDING,
        requestedHeight: ctx.block.height,
      }),
    );
    return undefined;
  },
};

function pendingRequest(ctx: CommandContext, operatorId: string, requestId: string) {
  const request = ctx.state.get(issuanceRequestStore, issuanceRequestPath(operatorId, requestId));
  if (request === undefined) {
    return reject('UNKNOWN_REQUEST', `operator ${operatorId} has no issuance request "${requestId}"`);
  }
  if (request.status !== IssuanceRequestStatus.PENDING) {
    const decided = request.status === IssuanceRequestStatus.APPROVED ? 'approved' : 'rejected';
    return reject('REQUEST_NOT_PENDING', `issuance request "${requestId}" of ${operatorId} was already ${decided} at height ${request.decidedHeight}`);
  }
  return request;
}

/** Enter: the central bank approves a pending request within the operator's quota. */
export const approveIssuance: CommandHandler<ApproveIssuance> = {
  authority: 'central-bank',
  verify: (command) => firstRejection(checkIdentifier('operator_id', command.operatorId), checkIdentifier('request_id', command.requestId)),
  execute(ctx, command) {
    const operator = findOperator(ctx.state, command.operatorId);
    if (isRejection(operator)) return operator;
    const request = pendingRequest(ctx, command.operatorId, command.requestId);
    if (isRejection(request)) return request;
    const path = quotaPath(command.operatorId);
    const quota = ctx.state.get(quotaStore, path);
    assert(quota !== undefined, 'every operator has a quota record from genesis');
    const outstanding = quota.outstanding + request.amount;
    if (outstanding > quota.quota) {
      return reject(
        'QUOTA_EXCEEDED',
        `approving ${formatYuan(request.amount)} would take ${command.operatorId}'s outstanding issuance to ${formatYuan(outstanding)}, above its quota of ${formatYuan(quota.quota)}`,
      );
    }
    const moved = transfer(ctx, TransferKind.ISSUE, ISSUANCE_ACCOUNT_ID, vaultAccountId(command.operatorId), request.amount);
    if (moved !== undefined) return moved;
    ctx.state.set(quotaStore, path, { ...quota, outstanding });
    ctx.state.set(issuanceRequestStore, issuanceRequestPath(command.operatorId, command.requestId), {
      ...request,
      status: IssuanceRequestStatus.APPROVED,
      decidedHeight: ctx.block.height,
    });
    return undefined;
  },
};

/** Enter: the central bank declines a pending request; nothing is issued. */
export const rejectIssuance: CommandHandler<RejectIssuance> = {
  authority: 'central-bank',
  verify: (command) =>
    firstRejection(
      checkIdentifier('operator_id', command.operatorId),
      checkIdentifier('request_id', command.requestId),
      checkText('reason', command.reason, rejectionReasonBytesMax, false),
    ),
  execute(ctx, command) {
    const operator = findOperator(ctx.state, command.operatorId);
    if (isRejection(operator)) return operator;
    const request = pendingRequest(ctx, command.operatorId, command.requestId);
    if (isRejection(request)) return request;
    ctx.state.set(issuanceRequestStore, issuanceRequestPath(command.operatorId, command.requestId), {
      ...request,
      status: IssuanceRequestStatus.REJECTED,
      decidedHeight: ctx.block.height,
      rejectionReason: command.reason,
    });
    return undefined;
  },
};

/** Enter: an operator returns currency from its vault, reducing the supply. */
export const redeem: CommandHandler<Redeem> = {
  authority: 'operator',
  verify: (command) =>
    firstRejection(
      checkAmount('amount', command.amount),
      checkText('reserve_reference', command.reserveReference, reserveReferenceBytesMax, true),
    ),
  execute(ctx, command) {
    const operatorId = signingOrganization(ctx).id;
    const moved = transfer(ctx, TransferKind.REDEEM, vaultAccountId(operatorId), ISSUANCE_ACCOUNT_ID, command.amount);
    if (moved !== undefined) return moved;
    const path = quotaPath(operatorId);
    const quota = ctx.state.get(quotaStore, path);
    assert(quota !== undefined, 'every operator has a quota record from genesis');
    // Currency reaches a vault from other operators' customers too, so an operator may
    // redeem more than it was issued; its use of the quota then stops at zero.
    const outstanding = quota.outstanding > command.amount ? quota.outstanding - command.amount : 0n;
    ctx.state.set(quotaStore, path, { ...quota, outstanding });
    return undefined;
  },
};
