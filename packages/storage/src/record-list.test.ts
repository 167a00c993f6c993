// Checks the record list (several byte strings in one stored record): any list of byte
// strings comes back as it went in, whole and entry by entry; and a record that is not
// one — cut short, extended, with offsets out of order or past its end, a count larger
// than it can hold — is refused rather than read past or misread, by both readers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeRecordList, encodeRecordList, recordListItem } from './record-list.js';

const items = fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 30 });

test('a list of byte strings comes back whole and entry by entry', () => {
  fc.assert(
    fc.property(items, (list) => {
      const record = encodeRecordList(list);
      assert.deepEqual(decodeRecordList(record)?.map((item) => Array.from(item)), list.map((item) => Array.from(item)));
      for (let i = 0; i < list.length; i++) assert.deepEqual(Array.from(recordListItem(record, i)!), Array.from(list[i]!));
      assert.equal(recordListItem(record, list.length), undefined);
    }),
    { numRuns: 300 },
  );
});

test('a damaged record is refused, never read past its end', () => {
  fc.assert(
    fc.property(items, fc.nat(), fc.nat(255), fc.constantFrom('cut', 'extend', 'flip'), (list, at, byte, damage) => {
      const record = encodeRecordList(list);
      let damaged: Uint8Array;
      if (damage === 'cut') damaged = record.subarray(0, at % record.length);
      else if (damage === 'extend') damaged = Uint8Array.of(...record, byte);
      else {
        damaged = record.slice();
        // A header byte (count or an end offset): the payload itself is any bytes.
        const header = 4 * (1 + list.length);
        damaged[at % header] = damaged[at % header]! ^ (1 + (byte % 255));
      }
      const decoded = decodeRecordList(damaged);
      if (decoded !== undefined) {
        // The only damage that still decodes re-encodes to exactly those bytes.
        assert.deepEqual(Array.from(encodeRecordList(decoded)), Array.from(damaged));
      }
      for (let i = 0; i < list.length + 2; i++) {
        const item = recordListItem(damaged, i);
        if (item === undefined) continue;
        assert.ok(item.byteOffset + item.length <= damaged.byteOffset + damaged.length);
        if (decoded !== undefined) assert.deepEqual(Array.from(item), Array.from(decoded[i]!));
      }
    }),
    { numRuns: 1000 },
  );
  assert.equal(decodeRecordList(new Uint8Array(0)), undefined);
  assert.equal(decodeRecordList(Uint8Array.of(0xff, 0xff, 0xff, 0xff)), undefined);
  assert.deepEqual(decodeRecordList(Uint8Array.of(0, 0, 0, 0)), []);
});
