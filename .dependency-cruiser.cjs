/**
 * Architecture rules (DESIGN.md, Components): no import cycles, and dependencies
 * point down the layer list. `client/` and `node/` never import each other;
 * `placement/` is pure; `storage/` knows nothing of the network.
 */
module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', from: {}, to: { circular: true } },
    { name: 'client-not-to-node', severity: 'error', from: { path: '^src/client/' }, to: { path: '^src/node/' } },
    { name: 'node-not-to-client-internals', severity: 'error', comment: 'node uses the SDK coordinator through src/client/index.ts only',
      from: { path: '^src/node/' }, to: { path: '^src/client/', pathNot: '^src/client/index\\.ts$' } },
    { name: 'placement-is-pure', severity: 'error', from: { path: '^src/placement/' }, to: { path: '^src/(storage|discovery|node|client|cli)/|^(node:)?(fs|net|http|https|child_process|dgram)$', dependencyTypesNot: ['type-only'] } },
    { name: 'storage-no-network', severity: 'error', from: { path: '^src/storage/' }, to: { path: '^src/(placement|discovery|node|client|cli|protocol)/|@grpc|^(node:)?(net|http|https|dgram)$' } },
    { name: 'consensus-no-protocol', severity: 'error', comment: 'the Paxos state and operations are shared by proposer and acceptor; the wire layer imports consensus, never the reverse',
      from: { path: '^src/consensus/' }, to: { path: '^src/(protocol|node|client|cli|discovery)/|@grpc' } },
    { name: 'nothing-imports-cli', severity: 'error', from: { pathNot: '^src/cli/' }, to: { path: '^src/cli/' } },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
