/**
 * The outcome of a transaction, stored in its receipt. These numbers are consensus
 * state: receipts are hashed into every block header, so a code is never renumbered,
 * reused or removed — only appended. result-codes.test.ts pins every number.
 *
 *   0        success
 *   1–99     envelope and authorization: who signed, with which nonce, for what
 *   100–199  currency
 *   200–299  misbehaviour evidence
 */
export const ResultCode = {
  OK: 0,

  /** The sender key is neither an organization key nor a wallet owner's key. */
  UNKNOWN_SENDER: 1,
  /** The nonce is not the sender's next one. */
  NONCE_MISMATCH: 2,
  /** The sender's role or ownership does not allow this command. */
  UNAUTHORIZED: 3,
  /** A field is missing, out of range or too long, whatever the state. */
  MALFORMED_COMMAND: 4,
  /** The command kind is not one this chain executes. */
  UNSUPPORTED_COMMAND: 5,
  /** processProposal only: the block holds more transactions or bytes than allowed. */
  BLOCK_LIMIT_EXCEEDED: 6,

  /** The named operator is not an operator organization. */
  UNKNOWN_OPERATOR: 100,
  /** The operator already used this issuance request id. */
  REQUEST_ID_USED: 101,
  UNKNOWN_REQUEST: 102,
  /** The request was already approved or rejected. */
  REQUEST_NOT_PENDING: 103,
  /** Approving would take the operator's outstanding issuance above its quota. */
  QUOTA_EXCEEDED: 104,
  /** The debited account does not hold the amount. */
  INSUFFICIENT_FUNDS: 105,
  /** A balance or running total would leave its 64-bit range. */
  AMOUNT_OVERFLOW: 106,
  /** A wallet with this id exists or existed. */
  WALLET_ID_TAKEN: 107,
  UNKNOWN_WALLET: 108,
  WALLET_CLOSED: 109,
  /** A frozen wallet cannot be debited. */
  WALLET_FROZEN: 110,
  WALLET_ALREADY_FROZEN: 111,
  WALLET_NOT_FROZEN: 112,
  /** The parent of a sub-wallet must be an open merchant wallet of the same operator. */
  PARENT_WALLET_INVALID: 113,
  /** The payer wallet already settled a payment with this id. */
  PAYMENT_ID_USED: 114,
  /** Payer and payee are the same wallet. */
  SAME_WALLET: 115,
  LIMIT_PER_PAYMENT: 116,
  LIMIT_PER_DAY: 117,
  /** The payee would exceed its tier's balance cap and cannot sweep the excess. */
  BALANCE_CAP: 118,

  /** The evidence does not prove misbehaviour: not one validator, not conflicting, or a signature fails. */
  EVIDENCE_INVALID: 200,
  /** This misbehaviour (validator, epoch, kind, round) is already recorded. */
  EVIDENCE_ALREADY_RECORDED: 201,
} as const;

export type ResultName = keyof typeof ResultCode;
export type ResultCodeNumber = (typeof ResultCode)[ResultName];

const NAMES = new Map<number, ResultName>(
  (Object.keys(ResultCode) as ResultName[]).map((name) => [ResultCode[name], name]),
);

/** The stable name of a code, or undefined for a number no version ever assigned. */
export function resultName(code: number): ResultName | undefined {
  return NAMES.get(code);
}

/** A transaction's failure: stable code, stable name, and a sentence a person can act on. */
export interface Rejection {
  readonly code: number;
  readonly error: ResultName;
  readonly message: string;
}

export function reject(error: Exclude<ResultName, 'OK'>, message: string): Rejection {
  return { code: ResultCode[error], error, message };
}
