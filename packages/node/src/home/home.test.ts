// Checks that initNetwork writes the block spacing it is given (bench --block-interval,
// --block-interval-rate) into every node's tongbao.toml, where the node reads it back,
// and leaves the config's defaults otherwise.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initNetwork, loadNodeHome } from './home.js';
import { parseConfig } from '../config/config.js';

test('initNetwork sets the block spacing in every node config when asked, and leaves the defaults otherwise', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tongbao-home-test-'));
  try {
    const spaced = await initNetwork({ dir: join(dir, 'spaced'), validators: 2, suite: 'ed25519', apiPortBase: 0, p2pPortBase: 30_000, blockSpacing: { intervalMinMs: 40, intervalTransactionRateMin: 7 } });
    const spacing = (home: string): number[] => {
      const { intervalMinMs, intervalTransactionRateMin } = loadNodeHome(home).config.block;
      return [intervalMinMs, intervalTransactionRateMin];
    };
    assert.deepEqual(spaced.nodeHomes.map(spacing), [[40, 7], [40, 7]]);
    const plain = await initNetwork({ dir: join(dir, 'plain'), validators: 1, suite: 'ed25519', apiPortBase: 0 });
    const defaults = parseConfig('').block;
    assert.deepEqual(spacing(plain.nodeHomes[0]!), [defaults.intervalMinMs, defaults.intervalTransactionRateMin]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
