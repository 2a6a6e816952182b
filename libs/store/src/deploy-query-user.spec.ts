import { drainPending, Session } from 'chdb';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { QUERYABLE_TABLES } from './sql-sandbox-policy';
import { QUERY_USER_CONSTRAINTS, QUERY_USER_GRANTS, QUERY_USER_PROFILE } from './testing/deploy-query-user';
import { makeTempDir, removeDir } from './testing/temp-dir';

/**
 * deploy/'s `lessllm_query` user, run by ClickHouse's own access control: chDB loads the user and its profile
 * from deploy/compose/clickhouse-users.xml (as its `default` user, the only one chDB connects as), so its
 * GRANTs and settings are enforced by the engine here, not modelled. chDB cannot load
 * `changeable_in_readonly` (it needs access_control_improvements.settings_constraints_replace_previous, a
 * server setting chDB does not read), so those markers are dropped for this check; the rest is the file as is.
 */
const root = resolve(__dirname, '../../..');
const usersXml = readFileSync(join(root, 'deploy/compose/clickhouse-users.xml'), 'utf8');
const dir = makeTempDir('deploy-query-user');
let session: Session;

function element(xml: string, name: string): string {
  const match = new RegExp(`<${name}>([\\s\\S]*?)</${name}>`).exec(xml);
  if (!match) throw new Error(`<${name}> not found`);
  return match[1];
}

const profileXml = element(element(usersXml, 'profiles'), 'lessllm_query');
const userXml = element(element(usersXml, 'users'), 'lessllm_query');

/** `<name>value</name>` children of the profile, outside <constraints>. */
function profileSettings(): Record<string, string> {
  const flat = profileXml.replace(/<constraints>[\s\S]*<\/constraints>/, '');
  return Object.fromEntries([...flat.matchAll(/<(\w+)>([^<]*)<\/\1>/g)].map((m) => [m[1], m[2]]));
}

function profileConstraints(): Record<string, { min?: number; max?: number; changeableInReadonly?: boolean }> {
  const body = element(profileXml, 'constraints');
  return Object.fromEntries(
    [...body.matchAll(/<(\w+)>([\s\S]*?)<\/\1>/g)].map(([, name, inner]) => {
      const min = /<min>(\d+)<\/min>/.exec(inner)?.[1];
      const max = /<max>(\d+)<\/max>/.exec(inner)?.[1];
      return [
        name,
        {
          ...(min ? { min: Number(min) } : {}),
          ...(max ? { max: Number(max) } : {}),
          ...(inner.includes('<changeable_in_readonly/>') ? { changeableInReadonly: true } : {}),
        },
      ];
    }),
  );
}

async function run(sql: string): Promise<{ ok: true; text: string } | { ok: false; code: number; message: string }> {
  try {
    return { ok: true, text: (await session.queryAsync(sql, { format: 'TabSeparatedRaw' })).text() };
  } catch (err) {
    const message = (err as Error).message;
    return { ok: false, code: Number(/Code: (\d+)/.exec(message)?.[1] ?? -1), message };
  }
}

beforeAll(async () => {
  // The tables first, as any user (the query user cannot create them); then the engine again, as lessllm_query.
  const setup = new Session(dir);
  for (const sql of [
    'CREATE TABLE api_calls (request_id String) ENGINE = MergeTree ORDER BY request_id',
    'CREATE TABLE api_calls_hourly (calls UInt64) ENGINE = MergeTree ORDER BY calls',
    'CREATE TABLE schema_migrations (id String) ENGINE = MergeTree ORDER BY id',
    "INSERT INTO api_calls VALUES ('r1')",
    'CREATE DATABASE other',
    'CREATE TABLE other.t (x UInt8) ENGINE = MergeTree ORDER BY x',
    "INSERT INTO schema_migrations VALUES ('MIGRATION-SECRET')",
    'CREATE TABLE j (k UInt64, v String) ENGINE = Join(ANY, LEFT, k)',
    "INSERT INTO j VALUES (1, 'JOIN-SECRET')",
    'CREATE TABLE d_src (k UInt64, v String) ENGINE = MergeTree ORDER BY k',
    "INSERT INTO d_src VALUES (1, 'DICT-SECRET')",
    "CREATE DICTIONARY d (k UInt64, v String) PRIMARY KEY k SOURCE(CLICKHOUSE(TABLE 'd_src')) LAYOUT(FLAT()) LIFETIME(0)",
  ])
    await setup.queryAsync(sql);
  setup.close();
  await drainPending();

  const chdbProfile = profileXml.replace(/<changeable_in_readonly\/>/g, '');
  const chdbUser = userXml.replace(/<password[^>]*\/>/, '<password></password>');
  writeFileSync(
    join(dir, 'users.xml'),
    `<clickhouse><profiles><default/><lessllm_query>${chdbProfile}</lessllm_query></profiles>` +
      `<quotas><default/></quotas><users><default>${chdbUser}</default></users></clickhouse>`,
  );
  writeFileSync(
    join(dir, 'config.xml'),
    `<clickhouse><users_config>${join(dir, 'users.xml')}</users_config></clickhouse>`,
  );
  session = new Session(dir, { connectionArgs: [`--config-file=${join(dir, 'config.xml')}`] });
});

afterAll(async () => {
  session?.close();
  await drainPending();
  removeDir(dir);
});

describe('deploy: the lessllm_query user under ClickHouse access control (chDB)', () => {
  it('its profile loads and is in force', async () => {
    expect(await run("SELECT getSetting('readonly'), getSetting('max_threads'), getSetting('priority')")).toEqual({
      ok: true,
      text: '1\t1\t10\n',
    });
    expect(await run("SELECT getSetting('max_result_rows'), getSetting('allow_ddl')")).toEqual({
      ok: true,
      text: '100000\tfalse\n',
    });
  });

  it('SHOW GRANTS is exactly the deploy grants', async () => {
    const shown = await run('SHOW GRANTS');
    expect(shown.ok).toBe(true);
    const lines = shown.ok ? shown.text.trim().split('\n') : [];
    expect(lines.sort()).toEqual(QUERY_USER_GRANTS.map((g) => `${g} TO default`).sort());
  });

  it.each([
    ['SELECT count() FROM api_calls', '1\n'],
    ['SELECT count() FROM api_calls_hourly', '0\n'],
    ['SELECT dummy FROM system.one', '0\n'],
    ['SELECT number FROM numbers(2)', '0\n1\n'],
  ])('allows %j', async (sql, text) => {
    expect(await run(sql)).toEqual({ ok: true, text });
  });

  it.each([
    ['SELECT * FROM schema_migrations', 497],
    ['SELECT * FROM other.t', 497],
    ["SELECT * FROM file('/etc/hostname', 'LineAsString')", 497],
    ["SELECT * FROM url('http://127.0.0.1:9/x', 'CSV', 'a String')", 497],
    ["SELECT * FROM remote('127.0.0.1:9', default.schema_migrations)", 497],
    ["SELECT * FROM mysql('127.0.0.1:9', 'd', 't', 'u', 'p')", 497],
    ['SELECT * FROM view(SELECT * FROM schema_migrations)', 497],
    ["SELECT dictGet('d', 'v', toUInt64(1))", 497],
    ["SELECT joinGet('j', 'v', toUInt64(1))", 497],
    ['SELECT addressToSymbol(1)', 497], // INTROSPECTION is not granted
    ["INSERT INTO api_calls VALUES ('x')", 497], // the grants answer before readonly (164) would
    ['CREATE TABLE t (x UInt8) ENGINE = Memory', 497],
    ['SET readonly = 0', 164],
    ['SET max_result_rows = 0', 164],
  ])('the engine refuses %j (code %i)', async (sql, code) => {
    const result = await run(sql);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.code, result.message).toBe(code);
  });

  it('merge() over the database reads only the tables granted', async () => {
    const all = await run("SELECT count() FROM merge('default', '.*')");
    expect(all).toEqual({ ok: true, text: '1\n' }); // api_calls' one row; schema_migrations, j, d_src skipped
    expect((await run("SELECT * FROM merge('default', '^schema_migrations$')")).ok).toBe(false);
  });

  it('what chDB cannot enforce, measured here (the server closes these: user_files_path, *_requires_grant)', async () => {
    // chDB reads files anywhere with the scalar file() (no grant is checked; a server limits it to user_files_path).
    expect((await run("SELECT length(file('/etc/hostname')) > 0")).ok).toBe(true);
    // chDB does not read access_control_improvements: system tables stay readable without a grant here.
    expect((await run('SELECT count() FROM system.settings')).ok).toBe(true);
    console.info(
      'chDB cannot enforce for lessllm_query: scalar file() outside user_files_path, system.* without grants, ' +
        'changeable_in_readonly limits (dropped for this check); the validator refuses all three',
    );
  });
});

describe('deploy: compose, Kubernetes and the tests agree on lessllm_query', () => {
  it('the shim mirror (testing/deploy-query-user.ts) is clickhouse-users.xml', () => {
    expect(profileSettings()).toEqual(
      Object.fromEntries(Object.entries(QUERY_USER_PROFILE).map(([k, v]) => [k, String(v)])),
    );
    expect(profileConstraints()).toEqual(QUERY_USER_CONSTRAINTS);
    expect([...userXml.matchAll(/<query>([^<]+)<\/query>/g)].map((m) => m[1])).toEqual(QUERY_USER_GRANTS);
  });

  it('the grants name exactly the tables the validator allows', () => {
    const granted = QUERY_USER_GRANTS.filter((g) => g.includes(' default.')).map((g) => g.split('default.')[1]);
    expect(granted).toEqual([...QUERYABLE_TABLES]);
  });

  it('the ClickHouseInstallation declares the same user, profile, constraints and server settings', () => {
    const chi = parse(readFileSync(join(root, 'deploy/k8s/overlays/example/clickhouse-installation.yaml'), 'utf8')) as {
      spec: { configuration: Record<string, Record<string, unknown>> };
    };
    const { users, profiles, settings } = chi.spec.configuration;
    expect(users['lessllm_query/grants/query']).toEqual(QUERY_USER_GRANTS);
    expect(users['lessllm_query/profile']).toBe('lessllm_query');
    expect(users['lessllm_query/k8s_secret_password']).toBe('lessllm-clickhouse/query-password');
    for (const [name, value] of Object.entries(QUERY_USER_PROFILE))
      expect(String(profiles[`lessllm_query/${name}`])).toBe(String(value));
    for (const [name, c] of Object.entries(QUERY_USER_CONSTRAINTS)) {
      expect(profiles[`lessllm_query/constraints/${name}/min`]).toBe(c.min);
      expect(profiles[`lessllm_query/constraints/${name}/max`]).toBe(c.max);
      expect(profiles[`lessllm_query/constraints/${name}/changeable_in_readonly`]).toBe('');
    }
    const serverXml = readFileSync(join(root, 'deploy/compose/clickhouse-config.xml'), 'utf8');
    for (const key of [
      'settings_constraints_replace_previous',
      'select_from_system_db_requires_grant',
      'select_from_information_schema_requires_grant',
    ]) {
      expect(serverXml).toContain(`<${key}>true</${key}>`);
      expect(settings[`access_control_improvements/${key}`]).toBe(true);
    }
  });

  it('docker-compose gives the analyzer the query user and ClickHouse its files', () => {
    const compose = parse(readFileSync(join(root, 'docker-compose.yml'), 'utf8')) as {
      services: Record<string, { environment: Record<string, string>; volumes?: string[] }>;
    };
    expect(compose.services.analyzer.environment.LESSLLM_CLICKHOUSE_QUERY_USER).toBe('lessllm_query');
    expect(compose.services.analyzer.environment.LESSLLM_CLICKHOUSE_QUERY_PASSWORD).toContain(
      'CLICKHOUSE_QUERY_PASSWORD',
    );
    expect(compose.services.clickhouse.environment.CLICKHOUSE_QUERY_PASSWORD).toContain('CLICKHOUSE_QUERY_PASSWORD');
    expect(compose.services.clickhouse.volumes).toContain(
      './deploy/compose/clickhouse-config.xml:/etc/clickhouse-server/config.d/lessllm.xml:ro',
    );
    if (existsSync('/usr/bin/xmllint'))
      execFileSync('xmllint', ['--noout', join(root, 'deploy/compose/clickhouse-config.xml')]);
    else console.warn('xmllint is not installed: clickhouse-config.xml well-formedness not checked here');
  });
});
