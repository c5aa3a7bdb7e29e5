module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'prod-service',
  rootDir: __dirname,
};
