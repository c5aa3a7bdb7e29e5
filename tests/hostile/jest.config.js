// Each file starts real service processes and attacks them: one file at a time (the attacks
// and the servers share two cores), every test with its own explicit time bound. The
// bundles are built once per run (globalSetup).
module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'hostile',
  rootDir: __dirname,
  maxWorkers: 1,
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  testTimeout: 60_000,
};
