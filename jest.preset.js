// Shared Jest settings: swc strips types (fast); `typecheck` targets run tsc separately.
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  transform: {
    '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } }],
  },
  moduleFileExtensions: ['ts', 'js', 'json'],
  testMatch: ['**/?(*.)+(test|spec).ts'],
  testTimeout: 30000,
  reporters: ['default', require('node:path').join(__dirname, 'tools/jest/summary-reporter.js')],
};
