// Tree-only: prepare + apply blocks of B changes over a tree of N keys (memory store), µs per change.
import { MemoryKeyValueStore, StateTree } from '../../packages/storage/dist/index.js';
import { getSuite } from '../../packages/protocol/dist/index.js';
const hash = getSuite('ed25519').hash;
const N = Number(process.argv[2] ?? 50000), B = Number(process.argv[3] ?? 1400), BLOCKS = Number(process.argv[4] ?? 60);
const kv = new MemoryKeyValueStore();
const tree = new StateTree(kv, hash);
const key = (i) => { const k = new Uint8Array(12); new DataView(k.buffer).setUint32(0, 0x11223344); new DataView(k.buffer).setUint32(4, i); return k; };
const value = (i, v) => { const b = new Uint8Array(40); new DataView(b.buffer).setUint32(0, i); new DataView(b.buffer).setUint32(4, v); return b; };
let prepT = 0;
function block(changes) {
  changes.sort((a, b) => { const x = a.key, y = b.key; for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return x[i] - y[i]; return 0; });
  const t = performance.now(); const p = tree.prepare(changes); prepT = performance.now() - t; kv.write(p.operations); tree.applied(p); return p;
}
for (let s = 0; s < N; s += 5000) block(Array.from({ length: Math.min(5000, N - s) }, (_, j) => ({ key: key(s + j), value: value(s + j, 0) })));
kv.write(tree.pageOperations()); tree.checkpointed();
let v = 1; let next = N; const times = [];
for (let b = 0; b < BLOCKS; b++) {
  const picked = new Set();
  const changes = [];
  // 3/4 updates of existing keys, 1/4 new keys (payment records)
  while (changes.length < B * 3 / 4) { const i = Math.floor(Math.random() * next); if (picked.has(i)) continue; picked.add(i); changes.push({ key: key(i), value: value(i, v++) }); }
  while (changes.length < B) { changes.push({ key: key(next), value: value(next++, 0) }); }
  const t0 = performance.now();
  const p = block(changes); if (b === BLOCKS - 1) console.log(JSON.stringify(p.stats), 'per change hashes', (p.stats.hashes / B).toFixed(1), 'pages written', (p.stats.nodeWrites / B).toFixed(2));
  times.push(prepT * 1000 / B);
  if (b % 16 === 15) { kv.write(tree.pageOperations()); tree.checkpointed(); }
}
times.sort((a, b) => a - b);
console.log(`N=${N} B=${B}: median ${times[times.length >> 1].toFixed(2)} µs per change, best ${times[0].toFixed(2)}`);
