/** Unit specs sit beside the code in src/; end-to-end suites in test/ run the built service. */
const tsJest = ['ts-jest', { tsconfig: 'tsconfig.json' }];
const jose = ['ts-jest', { tsconfig: { allowJs: true, module: 'commonjs', isolatedModules: true } }];

module.exports = {
  projects: [
    {
      displayName: 'unit',
      testMatch: ['<rootDir>/src/**/*.spec.ts'],
      transform: { '^.+\\.ts$': tsJest, '^.+\\.js$': jose },
      // jose ships ES modules only; Jest's CommonJS runtime needs it transformed.
      transformIgnorePatterns: ['/node_modules/(?!jose/)'],
      testEnvironment: 'node',
    },
    {
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'],
      transform: { '^.+\\.ts$': tsJest, '^.+\\.js$': jose },
      // openid-client and oauth4webapi too, for the discovery suite.
      transformIgnorePatterns: ['/node_modules/(?!(jose|openid-client|oauth4webapi)/)'],
      testEnvironment: 'node',
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
      slowTestThreshold: 30,
    },
  ],
  testTimeout: 60_000,
  maxWorkers: 2,
};
