import { ReceiptSchema, toJson, type Receipt } from '@tongbao/protocol';

/** A receipt as the API shows it: the proto3 JSON of tongbao.v1.Receipt. */
export function receiptToJson(receipt: Receipt): Record<string, unknown> {
  return toJson(ReceiptSchema, receipt) as Record<string, unknown>;
}
