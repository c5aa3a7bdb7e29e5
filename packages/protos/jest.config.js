module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'protos',
  rootDir: __dirname,
};
