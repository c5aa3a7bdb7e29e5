module.exports = {
  ...require('../jest.preset.js'),
  displayName: 'tools',
  rootDir: __dirname,
  // The generator's templates look like sources but are only ever rendered.
  modulePathIgnorePatterns: ['<rootDir>/generators/.*/files/'],
};
