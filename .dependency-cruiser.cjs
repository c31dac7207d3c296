// Import rules for src/ (npm run lint:deps). The folder-cycle check itself is
// scripts/lint-deps.mjs, over the module graph this configuration produces; the rules here are
// the module-level ones.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-folder-cycles',
      comment: 'Folders (at any depth) must not import each other in a cycle, counting type-only imports.',
      severity: 'error',
      scope: 'folder',
      from: {},
      to: { circular: true },
    },
    {
      name: 'common-is-the-bottom',
      comment: 'src/common is plumbing every folder may use; it uses none of them.',
      severity: 'error',
      from: { path: '^src/common/' },
      to: { path: '^src/(?!common/)[^/]+/' },
    },
    {
      name: 'storage-imports-no-capability',
      comment: 'Storage is the generic database layer: capabilities own their tables and migrations (src/schema lists them).',
      severity: 'error',
      from: { path: '^src/storage/' },
      to: { path: '^src/(?!storage/|common/|config/)[^/]+/' },
    },
    {
      name: 'nothing-imports-the-composition',
      comment: 'http (assembly), cli and schema sit on top; no capability reaches up into them.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/(http|cli|schema)/' },
      to: { path: '^src/(http|cli|schema)/' },
    },
    {
      name: 'quality-does-not-read-ingest',
      comment: 'Ingest calls the quality pipeline; quality never imports ingest (nor re-parses its files).',
      severity: 'error',
      from: { path: '^src/quality/' },
      to: { path: '^src/ingest/' },
    },
    {
      name: 'no-test-code-in-src',
      severity: 'error',
      from: { path: '^src/', pathNot: '\\.test\\.ts$' },
      to: { path: '(^test/|\\.test\\.ts$)' },
    },
  ],
  options: {
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '\\.test\\.ts$' },
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.json'] },
  },
};
