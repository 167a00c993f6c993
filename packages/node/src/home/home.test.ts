// Checks that initNetwork writes the block interval it is given (bench --block-interval)
// into every node's tongbao.toml, where the node reads it back, and leaves the default
// (0, no wait) otherwise.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initNetwork, loadNodeHome } from './home.js';

test('initNetwork sets block.interval_min_ms in every node config when asked, and leaves it at 0 otherwise', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tongbao-home-test-'));
  try {
    const spaced = await initNetwork({ dir: join(dir, 'spaced'), validators: 2, suite: 'ed25519', apiPortBase: 0, p2pPortBase: 30_000, blockIntervalMinMs: 40 });
    assert.deepEqual(spaced.nodeHomes.map((home) => loadNodeHome(home).config.block.intervalMinMs), [40, 40]);
    const plain = await initNetwork({ dir: join(dir, 'plain'), validators: 1, suite: 'ed25519', apiPortBase: 0 });
    assert.equal(loadNodeHome(plain.nodeHomes[0]!).config.block.intervalMinMs, 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
