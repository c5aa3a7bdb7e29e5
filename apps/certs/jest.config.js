module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'certs',
  rootDir: __dirname,
};
