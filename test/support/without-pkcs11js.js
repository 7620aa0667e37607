// Preloaded with `node --require`: `require('pkcs11js')` fails as it does where its native build failed.
const Module = require('node:module');

const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  if (request === 'pkcs11js') {
    const error = new Error("Cannot find module 'pkcs11js'");
    error.code = 'MODULE_NOT_FOUND';
    throw error;
  }
  return resolveFilename.call(this, request, ...rest);
};
