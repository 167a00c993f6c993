'use strict';
// Loads the compiled addon. Built by `npm run build:native` (root `prepare` runs it on
// `npm ci`); a missing build is reported to the caller rather than thrown at import,
// so a chain on the Ed25519 suite never needs a compiler.
const path = require('node:path');

let binding = null;
let loadError = null;
try {
  binding = require(path.join(__dirname, 'build', 'Release', 'tongbao_sm2.node'));
} catch (error) {
  loadError = error;
}

module.exports = { binding, loadError };
