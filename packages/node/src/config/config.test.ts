// Checks the node configuration: defaults fill a missing file section, every key is
// bounded, unknown sections and keys are refused by name, limits that only make sense
// together are checked together, and the rendered default file parses back to the
// defaults.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, parseConfig, renderDefaultConfig } from './config.js';

function message(text: string): string {
  try {
    parseConfig(text);
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    assert.equal(error.code, 'INVALID_CONFIG');
    return error.message;
  }
  return 'accepted';
}

test('an empty file gives the defaults, and the rendered default file parses to the same', () => {
  const defaults = parseConfig('');
  assert.equal(defaults.mempool.transactionsMax, 500_000);
  assert.equal(defaults.log.level, 'info');
  assert.deepEqual(parseConfig(renderDefaultConfig()), defaults);
  assert.equal(defaults.node.stateTreeCachedPagesMax, 1 << 18);
  assert.equal(parseConfig('[node]\nstate_tree_cached_pages_max = 5').node.stateTreeCachedPagesMax, 5);
});

test('values out of bounds, of the wrong type, unknown keys and sections are refused by name', () => {
  assert.match(message('[mempool]\ntransactions_max = -5'), /mempool\.transactions_max must be an integer from 1 to/);
  assert.match(message('[mempool]\ntransactions_max = "many"'), /mempool\.transactions_max must be an integer/);
  assert.match(message('[mempool]\ntransaction_max = 5'), /unknown key mempool\.transaction_max/);
  assert.match(message('[mempol]\n'), /unknown section \[mempol\]/);
  assert.match(message('[log]\nlevel = "loud"'), /log\.level must be one of/);
  assert.match(message('[api]\nlisten = "nowhere"'), /api\.listen has the wrong form/);
  assert.match(message('this is = = not toml'), /not valid TOML/);
});

test('limits are checked against each other', () => {
  assert.match(message('[batch]\ntransactions_max = 30000'), /batch\.transactions_max must not exceed block\.transactions_max/);
  assert.match(message('[block]\nempty_block_interval_ms = 5000'), /block\.empty_block_interval_ms must be below consensus\.round_timeout_ms/);
  assert.match(message('[block]\ninterval_min_ms = 1000'), /block\.interval_min_ms must be below consensus\.round_timeout_ms/);
  assert.equal(message('[block]\ninterval_min_ms = 50'), 'accepted');
  assert.equal(message('[block]\ntransactions_max = 30000\n[batch]\ntransactions_max = 30000'), 'accepted');
});
