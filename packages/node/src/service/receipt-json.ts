import { ReceiptSchema, toJson, type api, type Receipt } from '@tongbao/protocol';

/** A receipt as the API shows it: the proto3 JSON of tongbao.v1.Receipt. */
export function receiptToJson(receipt: Receipt): Record<string, unknown> {
  return toJson(ReceiptSchema, receipt) as Record<string, unknown>;
}

/**
 * The receipt without its events, as proto3 JSON writes it (default values left out):
 * what `receipts: 'brief'` answers. Built by hand because the generic toJson walks the
 * events too, and this runs once per committed transaction of a high-rate client.
 */
export function briefReceiptToJson(receipt: Receipt): Record<string, unknown> {
  const json: Record<string, unknown> = { transactionId: Buffer.from(receipt.transactionId).toString('base64') };
  if (receipt.code !== 0) json['code'] = receipt.code;
  if (receipt.error !== '') json['error'] = receipt.error;
  if (receipt.message !== '') json['message'] = receipt.message;
  return json;
}

/** The receipt JSON for the detail a submitter asked for. */
export function receiptJsonFor(detail: api.ReceiptDetail, receipt: Receipt): Record<string, unknown> {
  return detail === 'brief' ? briefReceiptToJson(receipt) : receiptToJson(receipt);
}
