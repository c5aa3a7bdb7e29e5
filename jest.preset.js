// Shared Jest settings: swc strips types (fast); `typecheck` targets run tsc separately.
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  transform: {
    '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } }],
    // jose ships ES modules only, and Jest's module loader cannot require() them before Node 24.9.
    '/node_modules/jose/.+\\.js$': ['@swc/jest', { jsc: { target: 'es2022' }, module: { type: 'commonjs' } }],
  },
  transformIgnorePatterns: ['/node_modules/(?!jose/)'],
  moduleFileExtensions: ['ts', 'js', 'json'],
  testMatch: ['**/?(*.)+(test|spec).ts'],
  testTimeout: 30000,
  reporters: ['default', require('node:path').join(__dirname, 'tools/jest/summary-reporter.js')],
};
