// Builds images and runs containers: slow and heavy, so one file at a time with long timeouts
// (the longest are set per hook and test in the test itself).
module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'compose-e2e',
  rootDir: __dirname,
  maxWorkers: 1,
  testTimeout: 2 * 60_000,
};
