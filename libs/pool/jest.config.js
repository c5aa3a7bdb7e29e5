module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'pool',
  rootDir: __dirname,
  // executors/ is a project of its own (libs/pool/executors), with its own Jest config.
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/executors/'],
};
