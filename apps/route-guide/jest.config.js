module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'route-guide',
  rootDir: __dirname,
};
