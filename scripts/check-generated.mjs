#!/usr/bin/env node
// Fails if the committed generated code differs from what `npm run gen` produces from
// proto/, so schemas and generated TypeScript cannot drift apart.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const BUF = '@bufbuild/buf@1.75.0';
const committed = join(root, 'packages/protocol/src/gen');
const scratch = mkdtempSync(join(tmpdir(), 'tongbao-gen-'));
try {
  const template = readFileSync(join(root, 'buf.gen.yaml'), 'utf8').replace('out: packages/protocol/src/gen', `out: ${scratch}`);
  const config = join(scratch, 'buf.gen.yaml');
  writeFileSync(config, template);
  // The buf CLI is fetched from the npm registry by npx, pinned: its lockfile entry would
  // name platform packages the registry mirror may not carry, which breaks `npm ci`.
  execFileSync('npx', ['--yes', BUF, 'generate', '--template', config], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, PATH: `${join(root, 'node_modules/.bin')}:${process.env.PATH}` },
  });
  const list = (dir) => readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => relative(dir, join(e.parentPath ?? e.path, e.name)))
    .sort();
  const expected = list(join(scratch));
  const actual = list(committed);
  const problems = [];
  for (const file of new Set([...expected, ...actual])) {
    if (!expected.includes(file)) problems.push(`${file}: committed but not generated from proto/`);
    else if (!actual.includes(file)) problems.push(`${file}: generated from proto/ but not committed`);
    else if (readFileSync(join(scratch, file), 'utf8') !== readFileSync(join(committed, file), 'utf8')) problems.push(`${file}: differs`);
  }
  if (problems.length > 0) {
    console.error(`generated code is stale; run \`npm run gen\` and commit:\n  ${problems.join('\n  ')}`);
    process.exit(1);
  }
  console.log(`generated code matches proto/ (${expected.length} files)`);
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
