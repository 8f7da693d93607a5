/** Tests run the TypeScript sources directly through swc. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022' }, module: { type: 'commonjs' } }],
    // @kubernetes/client-node 1.x and a few of its dependencies ship only ES modules;
    // Node 20 loads them with require(esm), jest (before Node 24.9) does not: compile them to CommonJS.
    '^.+\\.m?js$': ['@swc/jest', { jsc: { target: 'es2022' }, module: { type: 'commonjs' } }],
  },
  transformIgnorePatterns: ['/node_modules/(?!(@kubernetes/client-node|openid-client|oauth4webapi|jose|jsonpath-plus|jsep|@jsep-plugin|rfc4648)/)'],
  testTimeout: 60000,
};
