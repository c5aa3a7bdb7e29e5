// One lint config for the workspace: typescript-eslint's recommended rules, project
// boundaries from the Nx tags (type: what a project may depend on; scope: which domain),
// and package.json dependencies checked against what each project really imports.
import nx from '@nx/eslint-plugin';
import jsoncParser from 'jsonc-eslint-parser';

export default [
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  {
    ignores: [
      '**/dist/**',
      '**/node_modules/**',
      '**/.nx/**',
      'packages/protos/src/gen/**', // generated
      'tools/test/fixtures/**', // a copy of the template's files, read as data
      '**/*.template',
    ],
  },
  {
    files: ['**/*.ts'],
    rules: {
      // With noUncheckedIndexedAccess, `x[i]!` after a bounds check is the honest spelling.
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
    },
  },
  {
    files: ['**/*.ts', '**/*.mjs', '**/*.js'],
    // Jest configs extend the root preset by path: configuration, not a project import.
    ignores: ['**/jest.config.js'],
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          allow: [],
          depConstraints: [
            // What a project may import, by what it is.
            { sourceTag: 'type:contracts', onlyDependOnLibsWithTags: ['type:contracts', 'type:test-support'] },
            { sourceTag: 'type:lib', onlyDependOnLibsWithTags: ['type:lib', 'type:contracts', 'type:test-support'] },
            { sourceTag: 'type:test-support', onlyDependOnLibsWithTags: ['type:lib', 'type:contracts'] },
            { sourceTag: 'type:service', onlyDependOnLibsWithTags: ['type:lib', 'type:contracts', 'type:test-support'] },
            { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:lib', 'type:contracts', 'type:test-support'] },
            { sourceTag: 'type:bench', onlyDependOnLibsWithTags: ['type:lib', 'type:contracts', 'type:test-support'] },
            { sourceTag: 'type:e2e', onlyDependOnLibsWithTags: ['type:lib', 'type:contracts', 'type:test-support'] },
            { sourceTag: 'type:tooling', onlyDependOnLibsWithTags: ['type:lib', 'type:contracts', 'type:test-support'] },
            // Domains stay apart: a service never imports another service's code.
            { sourceTag: 'scope:shared', onlyDependOnLibsWithTags: ['scope:shared'] },
            { sourceTag: 'scope:prod', onlyDependOnLibsWithTags: ['scope:prod', 'scope:shared'] },
            { sourceTag: 'scope:routeguide', onlyDependOnLibsWithTags: ['scope:routeguide', 'scope:shared'] },
            { sourceTag: 'scope:client', onlyDependOnLibsWithTags: ['scope:client', 'scope:shared'] },
            // The edge calls the backends through the shared contracts, never their code.
            { sourceTag: 'scope:edge', onlyDependOnLibsWithTags: ['scope:edge', 'scope:shared'] },
            { sourceTag: 'scope:stack', onlyDependOnLibsWithTags: ['scope:shared'] },
          ],
        },
      ],
    },
  },
  {
    files: ['**/package.json'],
    languageOptions: { parser: jsoncParser },
    rules: {
      '@nx/dependency-checks': [
        'error',
        {
          // Libraries are consumed as source (no build step): typecheck is the target every
          // project has, so it stands in for "build" when the rule looks for buildable deps.
          buildTargets: ['typecheck'],
          // Tests, benchmarks and configs may use the workspace's dev tools without declaring them.
          ignoredFiles: ['{projectRoot}/test/**', '{projectRoot}/bench/**', '{projectRoot}/jest.config.js', '{projectRoot}/**/*.test.ts'],
          checkMissingDependencies: true,
          checkObsoleteDependencies: true,
          checkVersionMismatches: false,
        },
      ],
    },
  },
];
