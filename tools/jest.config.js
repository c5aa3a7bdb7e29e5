module.exports = {
  ...require('../jest.preset.js'),
  displayName: 'tools',
  rootDir: __dirname,
  // The generator's templates look like sources but are only ever rendered; the fixture is
  // a copy of workspace files (package.json names that would collide), only ever read.
  modulePathIgnorePatterns: ['<rootDir>/generators/.*/files/', '<rootDir>/test/fixtures/'],
};
