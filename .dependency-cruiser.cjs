// The layer rules of ARCHITECTURE.md, enforced on every `npm test`.
// A package may import only the packages listed for it; nothing may form a cycle.
const ALLOWED = {
  protocol: [],
  storage: ['protocol'],
  execution: ['protocol'],
  consensus: ['protocol'],
  network: ['protocol'],
  api: ['protocol'],
  sdk: ['protocol'],
  node: ['protocol', 'storage', 'execution', 'consensus', 'network', 'api'],
  cli: ['protocol', 'sdk', 'node'],
  web: ['sdk', 'protocol'],
  // Harnesses for tests and benchmarks may use any layer but are imported by none.
  testing: ['protocol', 'storage', 'execution', 'consensus', 'network', 'api', 'sdk', 'node', 'cli'],
};
const PACKAGES = Object.keys(ALLOWED);

// A package's tests may also use the testing harnesses.
const layerRules = PACKAGES.map((pkg) => {
  const others = PACKAGES.filter((p) => p !== pkg && !ALLOWED[pkg].includes(p));
  return {
    name: `layer-${pkg}`,
    comment: `${pkg} may import only: ${ALLOWED[pkg].join(', ') || 'nothing of ours'}`,
    severity: 'error',
    from: { path: `^packages/${pkg}/src/`, pathNot: '\\.test\\.ts$' },
    to: { path: `^packages/(${others.join('|')})/` },
  };
});

const testRules = PACKAGES.filter((p) => p !== 'testing').map((pkg) => {
  const others = PACKAGES.filter((p) => p !== pkg && p !== 'testing' && !ALLOWED[pkg].includes(p));
  return {
    name: `layer-${pkg}-tests`,
    comment: `${pkg}'s tests may import only: ${[...ALLOWED[pkg], 'testing'].join(', ')}`,
    severity: 'error',
    from: { path: `^packages/${pkg}/src/.*\\.test\\.ts$` },
    to: { path: `^packages/(${others.join('|')})/` },
  };
});

module.exports = {
  forbidden: [
    ...layerRules,
    ...testRules,
    {
      name: 'no-cycles',
      comment: 'import cycles make layers meaningless and initialisation order fragile',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    // Another package is reached through its build output; record the edge, do not follow it.
    doNotFollow: { path: ['node_modules', '^packages/[^/]+/dist/'] },
    tsPreCompilationDeps: true,
    combinedDependencies: true,
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'node', 'default'] },
  },
};
