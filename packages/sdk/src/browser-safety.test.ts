// The SDK must bundle for a browser: nothing it loads may import a `node:` module, a
// Node built-in, sodium-native or the @tongbao/sm2-native addon. This walks the import
// graph of the compiled code from the SDK's entry and protocol's ./portable entry,
// resolving every static and dynamic import specifier the way Node does (including
// package "exports"), through our packages and node_modules, and fails on the first
// forbidden module with the chain of files that led to it. It also scans every
// non-test file under packages/sdk/dist, reached or not.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const FORBIDDEN_PACKAGES = ['sodium-native', '@tongbao/sm2-native'];
const BUILTINS = new Set(builtinModules);
const here = dirname(fileURLToPath(import.meta.url)); // packages/sdk/dist

/** Import specifiers of an ES module or CommonJS file, found by pattern (the files are compiled output). */
function specifiers(source: string): string[] {
  const out: string[] = [];
  const patterns = [
    /\bimport\s+(?:[^'"`;]*?\sfrom\s+)?['"]([^'"]+)['"]/g,
    /\bexport\s+[^'"`;]*?\sfrom\s+['"]([^'"]+)['"]/g,
    /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
    /\brequire\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
  ];
  // Drop comments so that examples in them are not taken for imports.
  const code = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`\\])\/\/.*$/gm, '$1');
  for (const pattern of patterns) for (const match of code.matchAll(pattern)) out.push(match[1]!);
  return out;
}

function forbidden(specifier: string): boolean {
  if (specifier.startsWith('node:')) return true;
  if (BUILTINS.has(specifier.split('/')[0]!) && !specifier.startsWith('.')) return true;
  return FORBIDDEN_PACKAGES.some((p) => specifier === p || specifier.startsWith(`${p}/`));
}

function resolveFrom(file: string, specifier: string): string {
  // import.meta.resolve would need a parent URL argument (a flag in Node 20); resolve
  // ESM "exports" with the import condition by hand through require.resolve's paths.
  if (specifier.startsWith('.')) return fileURLToPath(new URL(specifier, pathToFileURL(file)));
  const require = createRequire(file);
  const parts = specifier.split('/');
  const name = specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
  const subpath = '.' + specifier.slice(name.length);
  let packageJsonPath: string | undefined;
  for (const base of require.resolve.paths(specifier) ?? []) {
    const candidate = join(base, name, 'package.json');
    try {
      readFileSync(candidate);
      packageJsonPath = candidate;
      break;
    } catch {
      // not here
    }
  }
  assert.ok(packageJsonPath !== undefined, `cannot find package ${name} from ${file}`);
  const pkg = JSON.parse(readFileSync(packageJsonPath, 'utf8')) as {
    exports?: unknown;
    module?: string;
    main?: string;
  };
  const root = dirname(packageJsonPath);
  const pick = (entry: unknown): string | undefined => {
    if (typeof entry === 'string') return entry;
    if (entry !== null && typeof entry === 'object') {
      const conditions = entry as Record<string, unknown>;
      for (const key of ['browser', 'import', 'module', 'default']) {
        if (key in conditions) {
          const found = pick(conditions[key]);
          if (found !== undefined) return found;
        }
      }
    }
    return undefined;
  };
  if (pkg.exports !== undefined) {
    const exportsMap =
      typeof pkg.exports === 'string' || Object.keys(pkg.exports as object).every((k) => !k.startsWith('.'))
        ? { '.': pkg.exports }
        : (pkg.exports as Record<string, unknown>);
    let target = pick(exportsMap[subpath]);
    if (target === undefined) {
      for (const [pattern, value] of Object.entries(exportsMap)) {
        if (pattern.includes('*')) {
          const [prefix, suffix] = pattern.split('*') as [string, string];
          if (subpath.startsWith(prefix) && subpath.endsWith(suffix)) {
            target = pick(value)?.replace('*', subpath.slice(prefix.length, subpath.length - suffix.length));
          }
        }
      }
    }
    assert.ok(target !== undefined, `${specifier} is not exported by ${name}`);
    return join(root, target);
  }
  return join(root, subpath === '.' ? (pkg.module ?? pkg.main ?? 'index.js') : subpath);
}

function walk(entries: string[]): { visited: Set<string>; violations: string[] } {
  const visited = new Set<string>();
  const violations: string[] = [];
  const queue = entries.map((file) => ({ file, chain: [file] }));
  while (queue.length > 0) {
    const { file, chain } = queue.shift()!;
    if (visited.has(file)) continue;
    visited.add(file);
    for (const specifier of specifiers(readFileSync(file, 'utf8'))) {
      if (forbidden(specifier)) {
        violations.push(`${specifier} imported by ${[...chain].join(' → ')}`);
        continue;
      }
      const target = resolveFrom(file, specifier);
      if (!visited.has(target)) queue.push({ file: target, chain: [...chain, target] });
    }
  }
  return { visited, violations };
}

test('the import graph of the SDK and of protocol/portable reaches no Node-only module', () => {
  const sdkEntry = join(here, 'index.js');
  const portableEntry = resolveFrom(sdkEntry, '@tongbao/protocol/portable');
  const { visited, violations } = walk([sdkEntry, portableEntry]);
  assert.deepEqual(violations, []);
  // The walk really went through our packages and their dependencies.
  const seen = [...visited].join('\n');
  for (const part of ['sm2-portable.js', 'api/shapes.js', '@noble/curves', '@noble/hashes', '@bufbuild/protobuf', 'typebox']) {
    assert.ok(seen.includes(part), `walk did not reach ${part}`);
  }
  assert.ok(visited.size > 50, `only ${visited.size} modules reached`);
});

test('the walk does catch a Node-only import (the main protocol entry)', () => {
  const main = resolveFrom(join(here, 'index.js'), '@tongbao/protocol');
  const { violations } = walk([main]);
  assert.ok(violations.some((v) => v.startsWith('node:crypto') || v.startsWith('sodium-native')), violations.join('\n'));
});

test('no non-test file under packages/sdk/dist imports a Node-only module', () => {
  const offenders: string[] = [];
  const scan = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) scan(path);
      else if (entry.name.endsWith('.js') && !entry.name.endsWith('.test.js')) {
        for (const specifier of specifiers(readFileSync(path, 'utf8'))) if (forbidden(specifier)) offenders.push(`${path}: ${specifier}`);
      }
    }
  };
  scan(here);
  assert.deepEqual(offenders, []);
});
