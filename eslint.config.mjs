import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// ---------------------------------------------------------------------------------------------------------------
// Module boundaries (no-restricted-imports)
//
// - libs are imported through their @lessllm/* alias, never by path;
// - apps/<app>/src is private to its app: the composition roots (server, cli) use its public entry through the
//   @lessllm/<app> alias (apps/<app>/index.ts), never a path; shared pieces live in libs/*;
// - libs never import apps;
// - infrastructure clients (Redis, NATS, ClickHouse, chDB) are imported only by their adapters.
//
// Flat config: a later config object's `no-restricted-imports` REPLACES an earlier one for the files it matches
// (options are not merged), so every block below is assembled from these pieces and carries the full list it needs.
// ---------------------------------------------------------------------------------------------------------------

const APPS = ['gateway', 'analyzer', 'router', 'server', 'cli'];

const LIBS_BY_PATH = {
  group: ['**/libs/*/src/**', '../../libs/**'],
  message: 'Import libs through their @lessllm/* alias (e.g. @lessllm/shared, @lessllm/providers), not by path.',
};

/** Another app's src/ (the rule for apps/<app>/** lists every app but <app>). */
const appPrivate = (app) => ({
  group: [`**/${app}/src`, `**/${app}/src/**`],
  message: `apps/${app}/src is private to that app: import its public entry (apps/${app}/index.ts) or move the shared piece to a lib (libs/*).`,
});
/** Another app by relative path (its index included): composition goes through the app's alias, like a package. */
const appByPath = (app) => ({
  group: [`../${app}`, `../../${app}`, `../../../${app}`, `**/apps/${app}`, `**/apps/${app}/**`],
  message: `Import apps/${app} through its public alias @lessllm/${app} (apps/${app}/index.ts), not by path; pieces two apps share belong in a lib (libs/*).`,
});
const otherAppsPrivate = (self) =>
  APPS.filter((app) => app !== self).flatMap((app) => [appPrivate(app), appByPath(app)]);

const LIBS_NEVER_APPS_MESSAGE = 'libs never depend on apps: move the piece into a lib.';
const LIBS_NEVER_APPS = { group: ['**/apps', '**/apps/**'], message: LIBS_NEVER_APPS_MESSAGE };
/** Aliases that point into apps/ (tsconfig.json paths). */
const APP_ALIASES = ['@lessllm/gateway', '@lessllm/analyzer', '@lessllm/router', '@lessllm/server'].map((name) => ({
  name,
  message: LIBS_NEVER_APPS_MESSAGE,
}));

/** Infrastructure clients and the only place allowed to import each. */
const CLIENTS = {
  redis: {
    modules: ['ioredis'],
    where: 'Redis adapters live in apps/*/src/repositories/ (e.g. apps/gateway/src/repositories/fail-fast-redis.ts)',
  },
  nats: { modules: ['nats'], where: 'NATS adapters live in libs/messaging: use @lessllm/messaging' },
  clickhouse: {
    modules: ['@clickhouse/client', 'chdb'],
    where: 'ClickHouse/chDB adapters live in libs/store: use @lessllm/store',
  },
};

const clientMessage = (module, where) =>
  `'${module}' is an infrastructure client, imported only by its adapters. ${where}; elsewhere depend on the adapter or the port it implements.`;

/** The client bans, except for the kinds the files at hand are the adapters of. */
function clientBans(...allowed) {
  const paths = [];
  const patterns = [];
  for (const [kind, { modules, where }] of Object.entries(CLIENTS)) {
    if (allowed.includes(kind)) continue;
    for (const module of modules) {
      paths.push({ name: module, message: clientMessage(module, where) });
      patterns.push({ group: [`${module}/*`], message: clientMessage(module, where) });
    }
  }
  return { paths, patterns };
}

function restrictImports({ paths = [], patterns = [] }) {
  return { 'no-restricted-imports': ['error', { paths, patterns }] };
}

/** Rules for apps/<app>/**, with the client bans of `allowed` kinds lifted (its adapters). */
function appRules(app, ...allowed) {
  const clients = clientBans(...allowed);
  return restrictImports({
    paths: clients.paths,
    patterns: [LIBS_BY_PATH, ...otherAppsPrivate(app), ...clients.patterns],
  });
}

/** Rules for libs/**, with the client bans of `allowed` kinds lifted (its adapters). */
function libRules(...allowed) {
  const clients = clientBans(...allowed);
  return restrictImports({
    paths: [...APP_ALIASES, ...clients.paths],
    patterns: [LIBS_BY_PATH, LIBS_NEVER_APPS, ...clients.patterns],
  });
}

/** Tests, benchmarks and evals. */
const TEST_FILES = [
  '**/*.spec.ts',
  '**/*.e2e.ts',
  '**/testing/**',
  'test/**',
  'libs/*/test/**',
  'bench/**',
  'eval/**',
  'chaos/**',
];

const boundaries = [
  // Everything else (test support, config files...): libs by alias, no infrastructure client.
  { rules: restrictImports({ paths: clientBans().paths, patterns: [LIBS_BY_PATH, ...clientBans().patterns] }) },
  ...APPS.map((app) => ({ files: [`apps/${app}/**`], rules: appRules(app) })),
  { files: ['libs/**'], rules: libRules() },
  // The adapters: each may import its own client (and only that one).
  ...APPS.map((app) => ({ files: [`apps/${app}/src/repositories/**`], rules: appRules(app, 'redis') })),
  { files: ['libs/messaging/**'], rules: libRules('nats') },
  { files: ['libs/store/**'], rules: libRules('clickhouse') },
  // Tests, benchmarks and evals are white-box: they may import app internals (apps/*/src) and the clients
  // directly (to seed, inspect or flush Redis, NATS, ClickHouse). Libs by alias still.
  { files: TEST_FILES, rules: restrictImports({ patterns: [LIBS_BY_PATH] }) },
  // ... except that a lib's own tests still do not reach into apps.
  {
    files: ['libs/**/*.spec.ts', 'libs/**/testing/**', 'libs/*/test/**'],
    rules: restrictImports({ paths: APP_ALIASES, patterns: [LIBS_BY_PATH, LIBS_NEVER_APPS] }),
  },
];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', '.lessllm/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/require-await': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-extraneous-class': 'off',
      '@typescript-eslint/unbound-method': 'off',
    },
  },
  ...boundaries,
  {
    files: ['**/*.spec.ts', '**/*.e2e.ts', 'test/**', 'bench/**', 'chaos/**'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
      // Tests poke at wire JSON the fakes recorded; typing every probe adds noise, not safety.
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
  { files: ['**/*.mjs', '**/*.js'], ...tseslint.configs.disableTypeChecked },
);
