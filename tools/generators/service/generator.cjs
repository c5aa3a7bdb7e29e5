// The entry Nx loads. Nx runs a local generator's .ts sources only through @swc-node/register
// or ts-node, and this workspace has neither; tsx (already a dev dependency) compiles
// index.ts on require instead, scoped to this load (no global require hook).
const { require: tsxRequire } = require('tsx/cjs/api');

module.exports = tsxRequire('./index.ts', __filename);
