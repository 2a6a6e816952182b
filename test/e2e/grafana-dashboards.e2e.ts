import type { ApiCallRow, CallStore } from '@lessllm/shared';
import { createCallStore } from '@lessllm/store';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import {
  allPanels,
  CLICKHOUSE_PLUGIN,
  GRAFANA_DIR,
  loadDashboards,
  overrideFieldNames,
  panelByTitle,
  queryPanels,
  variables,
  variableSql,
  type Dashboard,
  type Panel,
  type Target,
} from '../support/grafana/dashboards';
import { generateCalls, inRange, RANGE } from '../support/grafana/generated-calls';
import {
  ALL,
  applyConditionalAll,
  expandMacros,
  interpolatePanelSql,
  leftoverReferences,
  replaceVariables,
  type MacroContext,
  type VariableValue,
} from '../support/grafana/interpolate';

// Every query of every dashboard under deploy/grafana/dashboards, expanded the way Grafana and the ClickHouse
// plugin expand it, run on chDB against the migrated schema filled with generated calls.

const dashboards = loadDashboards();
const rows = generateCalls();
const inside = rows.filter((r) => inRange(r));
const dataDir = mkdtempSync(join(tmpdir(), 'lessllm-grafana-'));
let store: CallStore;

const TEN_MINUTES: MacroContext = { ...RANGE, intervalMs: 600_000 };
const ONE_DAY: MacroContext = { ...RANGE, intervalMs: 86_400_000 };

beforeAll(async () => {
  store = await createCallStore({ data_dir: dataDir });
  await store.migrate();
  expect(await store.insertCalls(rows)).toBe(rows.length);
});

afterAll(async () => {
  await store?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

// ---- scenarios: variable selections ------------------------------------------------------------------------------

/** A specific selection per variable name, for the "one value" scenarios; models etc. the data covers. */
const PICKS: Record<string, string[]> = {
  model: ['gpt-4o'],
  tenant: ["o'reilly-labs"],
  provider: ['openai'],
};

interface Scenario {
  name: string;
  /** Variable name -> selected values (absent: All). */
  picks: Record<string, string[]>;
}

function scenarios(dashboard: Dashboard): Scenario[] {
  const names = variables(dashboard)
    .filter((v) => v.type === 'query')
    .map((v) => v.name);
  const out: Scenario[] = [{ name: 'All', picks: {} }];
  for (const name of names) {
    if (!PICKS[name]) throw new Error(`no test selection for variable $${name} of ${dashboard.uid}: add it to PICKS`);
    out.push({ name: `${name}=${PICKS[name].join(',')}`, picks: { [name]: PICKS[name] } });
  }
  if (names.includes('model')) out.push({ name: 'two models', picks: { model: ['gpt-4o', 'claude-sonnet-4'] } });
  if (names.length > 1) {
    out.push({ name: 'every variable set', picks: Object.fromEntries(names.map((n) => [n, PICKS[n]])) });
  }
  return out;
}

const optionCache = new Map<string, string[]>();

/** A query variable's options: its own SQL, run like the plugin runs it (time range, other variables on All). */
async function variableOptions(dashboard: Dashboard, name: string): Promise<string[]> {
  const key = `${dashboard.uid}/${name}`;
  const cached = optionCache.get(key);
  if (cached) return cached;
  const variable = variables(dashboard).find((v) => v.name === name)!;
  const sql = interpolatePanelSql(variableSql(variable)!, [], TEN_MINUTES);
  const result = await store.queryReadOnly(sql);
  const options = result.map((r) => String(Object.values(r)[0]));
  optionCache.set(key, options);
  return options;
}

/** The variable values the interpolation sees for a scenario (textboxes and constants keep their defaults). */
async function variableValues(dashboard: Dashboard, scenario: Scenario): Promise<VariableValue[]> {
  const out: VariableValue[] = [];
  for (const v of variables(dashboard)) {
    if (v.type === 'query') {
      const picked = scenario.picks[v.name];
      out.push({
        name: v.name,
        value: picked ?? [ALL],
        options: await variableOptions(dashboard, v.name),
        allValue: v.allValue ?? null,
      });
    } else {
      // textbox, constant, custom, datasource: the saved current value (a textbox's default is its query)
      const saved = v.current?.value ?? (typeof v.query === 'string' ? v.query : '');
      out.push({ name: v.name, value: saved });
    }
  }
  return out;
}

/** The row filter a panel's SQL applies for a scenario (the dimensions it filters on with $__conditionalAll). */
function scenarioFilter(sql: string, scenario: Scenario): (row: ApiCallRow) => boolean {
  const checks: Array<(row: ApiCallRow) => boolean> = [];
  for (const [name, values] of Object.entries(scenario.picks)) {
    if (!sql.includes(`$__conditionalAll(${name} IN`)) continue;
    const column = name as 'model' | 'tenant' | 'provider';
    checks.push((row) => values.includes(row[column]));
  }
  return (row) => checks.every((c) => c(row));
}

async function runPanel(
  dashboard: Dashboard,
  panel: Panel,
  scenario: Scenario,
  ctx = TEN_MINUTES,
): Promise<{ sql: string; result: Record<string, unknown>[]; expected: ApiCallRow[] }> {
  const target = panel.targets![0];
  const vars = await variableValues(dashboard, scenario);
  const sql = interpolatePanelSql(target.rawSql!, vars, ctx);
  const result = await store.queryReadOnly(sql);
  return { sql, result, expected: inside.filter(scenarioFilter(target.rawSql!, scenario)) };
}

// ---- result shape per visualisation ------------------------------------------------------------------------------

const isNumber = (v: unknown): boolean => typeof v === 'number' && Number.isFinite(v);
const isNumeric = (v: unknown): boolean => v === null || isNumber(v);
const parseTime = (v: unknown): number => Date.parse(`${String(v).replace(' ', 'T')}Z`);

function checkShape(panel: Panel, target: Target, result: Record<string, unknown>[], ctx: MacroContext): void {
  const where = `${panel.title}: `;
  expect(result.length, `${where}returns rows`).toBeGreaterThan(0);
  const columns = Object.keys(result[0]);
  for (const name of overrideFieldNames(panel)) {
    expect(columns, `${where}field override "${name}" names a column`).toContain(name);
  }
  const numericColumns = (cols: string[]) => cols.filter((c) => result.every((r) => isNumeric(r[c])));
  const someValue = (cols: string[]) => result.some((r) => cols.some((c) => isNumber(r[c])));

  switch (panel.type) {
    case 'timeseries': {
      expect(target.format, `${where}time series format`).toBe(0);
      expect(columns[0], `${where}first column is the time`).toBe('time');
      const bucketMs = Math.max(ctx.intervalMs, 1000);
      for (const r of result) {
        const t = parseTime(r.time);
        expect(Number.isNaN(t), `${where}time ${String(r.time)} parses`).toBe(false);
        expect(t).toBeGreaterThanOrEqual(ctx.from.getTime() - bucketMs);
        expect(t).toBeLessThanOrEqual(ctx.to.getTime());
      }
      const times = result.map((r) => parseTime(r.time));
      expect(times, `${where}sorted by time`).toEqual([...times].sort((a, b) => a - b));
      // The plugin's multi-line format: time, then at most one string column naming the series, then numbers.
      const rest = columns.slice(1);
      const labels = rest.filter((c) => result.some((r) => typeof r[c] === 'string'));
      expect(labels.length, `${where}at most one series-name column`).toBeLessThanOrEqual(1);
      if (labels.length === 1) expect(columns[1], `${where}series-name column second`).toBe(labels[0]);
      const values = rest.filter((c) => !labels.includes(c));
      expect(values.length, `${where}value columns`).toBeGreaterThan(0);
      expect(numericColumns(values), `${where}value columns are numeric`).toEqual(values);
      expect(someValue(values), `${where}some value`).toBe(true);
      break;
    }
    case 'stat': {
      expect(target.format, `${where}table format`).toBe(1);
      expect(result, `${where}one row`).toHaveLength(1);
      expect(numericColumns(columns), `${where}numeric values`).toEqual(columns);
      expect(someValue(columns), `${where}some value`).toBe(true);
      break;
    }
    case 'piechart': {
      expect(target.format).toBe(1);
      expect(panel.options?.reduceOptions?.values, `${where}one slice per row`).toBe(true);
      expect(
        result.every((r) => typeof r[columns[0]] === 'string'),
        `${where}slice names`,
      ).toBe(true);
      expect(numericColumns(columns.slice(1)), `${where}slice values`).toEqual(columns.slice(1));
      expect(someValue(columns.slice(1))).toBe(true);
      break;
    }
    case 'table': {
      expect(target.format).toBe(1);
      expect(columns.length, `${where}columns`).toBeGreaterThanOrEqual(2);
      break;
    }
    default:
      throw new Error(`${where}no shape check for panel type ${panel.type}: add one`);
  }
}

// ---- the JSON itself ---------------------------------------------------------------------------------------------

describe('Grafana dashboards: JSON structure', () => {
  const provisionedDs = parseYaml(
    readFileSync(join(GRAFANA_DIR, 'provisioning/datasources/clickhouse.yaml'), 'utf8'),
  ) as { datasources: Array<Record<string, any>> };
  const provider = parseYaml(readFileSync(join(GRAFANA_DIR, 'provisioning/dashboards/lessllm.yaml'), 'utf8')) as {
    providers: Array<Record<string, any>>;
  };

  it('there are dashboards, each with a unique uid and title', () => {
    expect(dashboards.length).toBeGreaterThanOrEqual(3);
    const uids = dashboards.map((d) => d.dashboard.uid);
    const titles = dashboards.map((d) => d.dashboard.title);
    for (const { file, dashboard } of dashboards) {
      expect(dashboard.uid, file).toMatch(/^[a-zA-Z0-9_-]{1,40}$/);
      expect(dashboard.title, file).toMatch(/^LessLLM /);
      expect(dashboard.schemaVersion, file).toBeGreaterThanOrEqual(36);
    }
    expect(new Set(uids).size).toBe(uids.length);
    expect(new Set(titles).size).toBe(titles.length);
  });

  it.each(dashboards)('$file: unique panel ids, layout inside 24 columns, every panel titled', ({ dashboard }) => {
    const panels = allPanels(dashboard);
    const ids = panels.map((p) => p.id);
    expect(new Set(ids).size, 'unique panel ids').toBe(ids.length);
    for (const p of panels) {
      expect(p.title, `panel ${p.id} has a title`).toBeTruthy();
      expect(p.gridPos, p.title).toBeDefined();
      expect(p.gridPos!.x + p.gridPos!.w, p.title).toBeLessThanOrEqual(24);
      if (p.type !== 'row') expect(p.description, `${p.title} explains itself`).toBeTruthy();
    }
    const titles = queryPanels(dashboard).map((p) => p.title);
    expect(new Set(titles).size, 'panel titles unique (tests find panels by title)').toBe(titles.length);
  });

  it.each(dashboards)('$file: every query goes to the ClickHouse data source variable', ({ dashboard }) => {
    const dsVar = variables(dashboard).find((v) => v.type === 'datasource');
    expect(dsVar?.query).toBe(CLICKHOUSE_PLUGIN);
    const ref = `\${${dsVar!.name}}`;
    expect(dsVar?.current?.value, 'defaults to the provisioned data source').toBe(provisionedDs.datasources[0].uid);
    for (const panel of queryPanels(dashboard)) {
      expect(panel.datasource, panel.title).toEqual({ type: CLICKHOUSE_PLUGIN, uid: ref });
      const refIds = panel.targets!.map((t) => t.refId);
      expect(new Set(refIds).size, `${panel.title}: unique refIds`).toBe(refIds.length);
      for (const t of panel.targets!) {
        expect(t.datasource, panel.title).toEqual({ type: CLICKHOUSE_PLUGIN, uid: ref });
        expect(t.editorType, panel.title).toBe('sql');
        expect([0, 1], `${panel.title}: format`).toContain(t.format);
        expect(t.rawSql?.trim(), `${panel.title}: rawSql`).toBeTruthy();
      }
    }
    for (const v of variables(dashboard).filter((x) => x.type === 'query')) {
      expect(v.datasource, v.name).toEqual({ type: CLICKHOUSE_PLUGIN, uid: ref });
      expect(variableSql(v), v.name).toBeTruthy();
    }
  });

  it.each(dashboards)('$file: $__conditionalAll names a multi-value variable with All', ({ dashboard }) => {
    const vars = variables(dashboard);
    const sqls = [
      ...queryPanels(dashboard).flatMap((p) => p.targets!.map((t) => t.rawSql!)),
      ...vars.map(variableSql).filter((s): s is string => !!s),
    ];
    for (const sql of sqls) {
      for (const m of sql.matchAll(/\$__conditionalAll\((?:[^()]|\([^()]*\))*,\s*\$(\w+)\)/g)) {
        const v = vars.find((x) => x.name === m[1]);
        expect(v, `variable $${m[1]}`).toBeDefined();
        expect(v!.includeAll && v!.multi, `$${m[1]} is multi-value with All`).toBe(true);
      }
      // Every conditionalAll was matched by the pattern above (i.e. has the `(condition, $var)` shape).
      const calls = sql.split('$__conditionalAll(').length - 1;
      const shaped = [...sql.matchAll(/\$__conditionalAll\((?:[^()]|\([^()]*\))*,\s*\$\w+\)/g)].length;
      expect(shaped, sql).toBe(calls);
    }
  });

  it('provisioning: the ClickHouse data source and the dashboard folder', () => {
    expect(provisionedDs.datasources).toHaveLength(1);
    const ds = provisionedDs.datasources[0];
    expect(ds).toMatchObject({ type: CLICKHOUSE_PLUGIN, uid: 'lessllm-clickhouse' });
    expect(ds.jsonData).toMatchObject({ host: 'clickhouse', protocol: 'native', port: 9000 });
    expect(ds.jsonData.username).toBe('${CLICKHOUSE_GRAFANA_USER}');
    expect(ds.secureJsonData.password).toBe('${CLICKHOUSE_GRAFANA_PASSWORD}');
    expect(provider.providers).toHaveLength(1);
    expect(provider.providers[0]).toMatchObject({ type: 'file', options: { path: expect.stringMatching(/^\//) } });
  });
});

// ---- the expansion itself, against the plugin's own examples -----------------------------------------------------

describe('Grafana / ClickHouse plugin expansion (test helper)', () => {
  // pkg/macros/macros_test.go of grafana/clickhouse-datasource
  const ctx: MacroContext = {
    from: new Date('2014-11-12T11:45:26.123Z'),
    to: new Date('2015-11-12T11:45:26.456Z'),
    intervalMs: 20_000,
  };

  it.each([
    [
      'select * from foo where $__timeFilter(cast(sth as timestamp))',
      'select * from foo where cast(sth as timestamp) >= toDateTime(1415792726) AND cast(sth as timestamp) <= toDateTime(1447328726)',
    ],
    [
      'select * from foo where $__timeFilter(cast(sth as timestamp) )',
      'select * from foo where cast(sth as timestamp) >= toDateTime(1415792726) AND cast(sth as timestamp) <= toDateTime(1447328726)',
    ],
    [
      'select * from foo where $__timeFilter_ms(cast(sth as timestamp))',
      'select * from foo where cast(sth as timestamp) >= fromUnixTimestamp64Milli(1415792726123) AND cast(sth as timestamp) <= fromUnixTimestamp64Milli(1447328726456)',
    ],
    [
      'select * from foo where ( date >= $__fromTime and date <= $__toTime ) limit 100',
      'select * from foo where ( date >= toDateTime(1415792726) and date <= toDateTime(1447328726) ) limit 100',
    ],
    [
      'select * from foo where ( date >= $__fromTime_ms ) and ( date <= $__toTime_ms ) limit 100',
      'select * from foo where ( date >= fromUnixTimestamp64Milli(1415792726123) ) and ( date <= fromUnixTimestamp64Milli(1447328726456) ) limit 100',
    ],
    ['select $__timeInterval(col) from foo', 'select toStartOfInterval(toDateTime(col), INTERVAL 20 second) from foo'],
    [
      'select $__timeInterval_ms(col) from foo',
      'select toStartOfInterval(toDateTime64(col, 3), INTERVAL 20000 millisecond) from foo',
    ],
    [
      'select toStartOfInterval(col, INTERVAL $__interval_s second) AS time from foo',
      'select toStartOfInterval(col, INTERVAL 20 second) AS time from foo',
    ],
    ['WHERE $__dateFilter(d)', "WHERE d >= toDate('2014-11-12') AND d <= toDate('2015-11-12')"],
    [
      'WHERE $__dateTimeFilter(d, t)',
      "WHERE (d >= toDate('2014-11-12') AND d <= toDate('2015-11-12')) AND (t >= toDateTime(1415792726) AND t <= toDateTime(1447328726))",
    ],
  ])('%s', (input, output) => {
    expect(expandMacros(input, ctx)).toBe(output);
  });

  it('a macro name inside a longer word is not a match; $__interval_s is at least 1', () => {
    expect(expandMacros('$__timeFilterEpoch(x)', ctx)).toBe('$__timeFilterEpoch(x)');
    expect(expandMacros('$__interval_s', { ...ctx, intervalMs: 250 })).toBe('1');
    expect(() => expandMacros('$__timeFilter(x', ctx)).toThrow(/closing bracket/);
  });

  it('$__conditionalAll: 1=1 on All or nothing selected, the condition otherwise', () => {
    const sql = "WHERE $__conditionalAll(m IN (${m:singlequote}), $m) AND $__conditionalAll(t = 'x', $t)";
    expect(
      applyConditionalAll(sql, [
        { name: 'm', value: [ALL] },
        { name: 't', value: '' },
      ]),
    ).toBe('WHERE 1=1 AND 1=1');
    expect(
      applyConditionalAll(sql, [
        { name: 'm', value: ['a'] },
        { name: 't', value: 'b' },
      ]),
    ).toBe("WHERE m IN (${m:singlequote}) AND t = 'x'");
  });

  it('variables: singlequote and sqlstring escape, the plugin quotes lists, All expands to every option', () => {
    const vars: VariableValue[] = [
      { name: 'm', value: ["o'x", 'b'] },
      { name: 'n', value: [ALL], options: ['a', 'b'] },
      { name: 'p', value: '2.5' },
    ];
    expect(replaceVariables('${m:singlequote}|$m|${n:singlequote}|${p:sqlstring}|$p|$unknown', vars)).toBe(
      "'o\\'x','b'|'o'x','b'|'a','b'|'2.5'|2.5|$unknown",
    );
  });
});

// ---- every panel runs --------------------------------------------------------------------------------------------

const panelCases = dashboards.flatMap(({ file, dashboard }) =>
  queryPanels(dashboard).map((panel) => ({ file, title: panel.title, dashboard, panel })),
);

describe('Grafana dashboards: every panel query runs on chDB and has the columns its visualisation needs', () => {
  it.each(panelCases)('$file › $title', async ({ dashboard, panel }) => {
    for (const scenario of scenarios(dashboard)) {
      for (const ctx of scenario.name === 'All' ? [TEN_MINUTES, ONE_DAY] : [TEN_MINUTES]) {
        for (const target of panel.targets!) {
          const vars = await variableValues(dashboard, scenario);
          const afterVariables = replaceVariables(applyConditionalAll(target.rawSql!, vars), vars);
          const sql = expandMacros(afterVariables, ctx);
          const label = `${panel.title} [${scenario.name}, interval ${ctx.intervalMs} ms]`;
          expect(leftoverReferences(sql), `${label}: unexpanded references`).toEqual([]);
          expect(expandMacros(afterVariables, ctx, 'legacy'), `${label}: same on older plugin SDKs`).toBe(sql);
          let result: Record<string, unknown>[];
          try {
            result = await store.queryReadOnly(sql);
          } catch (err) {
            throw new Error(`${label} failed: ${(err as Error).message}\n${sql}`);
          }
          checkShape(panel, target, result, ctx);
          if (scenario.picks.model && target.rawSql!.includes('$__conditionalAll(model IN') && 'model' in result[0]) {
            for (const r of result) expect(scenario.picks.model, label).toContain(r.model);
          }
        }
      }
    }
  });

  it.each(dashboards)('$file: variable queries list the generated values', async ({ dashboard }) => {
    for (const v of variables(dashboard).filter((x) => x.type === 'query')) {
      const options = await variableOptions(dashboard, v.name);
      const column = v.name as 'model' | 'tenant' | 'provider';
      const expected = [...new Set(inside.map((r) => r[column]).filter((x) => x !== ''))].sort();
      expect(options, v.name).toEqual(expected);
    }
  });
});

// ---- values of key panels against the generated rows -------------------------------------------------------------

const sum = (values: Array<number | null | undefined>): number => values.reduce<number>((a, v) => a + (v ?? 0), 0);
const count = (list: ApiCallRow[], pred: (r: ApiCallRow) => boolean): number => list.filter(pred).length;

function groupBy<K>(list: ApiCallRow[], key: (r: ApiCallRow) => K): Map<K, ApiCallRow[]> {
  const out = new Map<K, ApiCallRow[]>();
  for (const r of list) out.set(key(r), [...(out.get(key(r)) ?? []), r]);
  return out;
}

function dashboardByUid(uid: string): Dashboard {
  const found = dashboards.find((d) => d.dashboard.uid === uid);
  if (!found) throw new Error(`no dashboard ${uid}`);
  return found.dashboard;
}

const ALL_SCENARIO: Scenario = { name: 'All', picks: {} };
const isHit = (r: ApiCallRow) => r.response_cache_status === 'hit' || r.response_cache_status === 'semantic-hit';
const isCascadeAttempt = (r: ApiCallRow) => r.request_id.endsWith('.cascade');

describe('Grafana dashboards: values of key panels equal a direct computation over the generated calls', () => {
  const spend = dashboardByUid('lessllm-spend');
  const latency = dashboardByUid('lessllm-latency');
  const caching = dashboardByUid('lessllm-caching-routing');
  const team = (r: ApiCallRow) => (r.tenant === '' ? '(no team)' : r.tenant);

  it('the generated data covers what the panels need', () => {
    expect(inside.length).toBeLessThan(rows.length); // some rows outside the range
    for (const outcome of ['hit', 'semantic-hit', 'miss', 'bypass', '']) {
      expect(
        count(inside, (r) => r.response_cache_status === outcome),
        outcome,
      ).toBeGreaterThan(10);
    }
    expect(count(inside, (r) => r.status === 'error')).toBeGreaterThan(10);
    expect(count(inside, (r) => r.router_escalated_from !== '')).toBeGreaterThan(10);
    expect(count(inside, isCascadeAttempt)).toBeGreaterThan(10);
    expect(count(inside, (r) => (r.actual_cached_tokens ?? 0) > 0)).toBeGreaterThan(10);
    expect(count(inside, (r) => r.estimated_cost_usd === null)).toBeGreaterThan(10);
  });

  it.each([ALL_SCENARIO, { name: 'team', picks: { tenant: ["o'reilly-labs"] } }])(
    'Spend: totals and spend by model, team and user ($name)',
    async (scenario) => {
      const total = await runPanel(spend, panelByTitle(spend, 'Spend'), scenario);
      expect(total.result[0].spend_usd).toBeCloseTo(sum(total.expected.map((r) => r.estimated_cost_usd)), 8);

      const calls = await runPanel(spend, panelByTitle(spend, 'Calls and errors'), scenario);
      expect(calls.result[0]).toEqual({
        calls: calls.expected.length,
        errors: count(calls.expected, (r) => r.status === 'error'),
      });

      const byModel = await runPanel(spend, panelByTitle(spend, 'Spend by model'), scenario);
      const groups = groupBy(byModel.expected, (r) => r.model);
      expect(byModel.result.map((r) => r.model).sort()).toEqual([...groups.keys()].sort());
      for (const [model, group] of groups) {
        const row = byModel.result.find((r) => r.model === model)!;
        expect(row.calls, model).toBe(group.length);
        expect(row.errors, model).toBe(count(group, (r) => r.status === 'error'));
        expect(row.spend_usd, model).toBeCloseTo(sum(group.map((r) => r.estimated_cost_usd)), 8);
      }

      const overTime = await runPanel(spend, panelByTitle(spend, 'Spend by model over time'), scenario);
      for (const [model, group] of groups) {
        const series = overTime.result.filter((r) => r.model === model);
        expect(sum(series.map((r) => r.spend_usd as number)), model).toBeCloseTo(
          sum(group.map((r) => r.estimated_cost_usd)),
          8,
        );
      }

      const byTeam = await runPanel(spend, panelByTitle(spend, 'Spend by team'), scenario);
      for (const [name, group] of groupBy(byTeam.expected, team)) {
        const row = byTeam.result.find((r) => r.team === name)!;
        expect(row, name).toBeDefined();
        expect(row.spend_usd, name).toBeCloseTo(sum(group.map((r) => r.estimated_cost_usd)), 8);
        expect(row.users, name).toBe(new Set(group.map((r) => r.user_id)).size);
      }
      expect(sum(byTeam.result.map((r) => r.share as number))).toBeCloseTo(1, 9);

      const users = await runPanel(spend, panelByTitle(spend, 'Top users by spend'), scenario);
      const perUser = [...groupBy(users.expected, (r) => r.user_id || '(anonymous)')].map(
        ([user, group]) => [user, sum(group.map((r) => r.estimated_cost_usd))] as const,
      );
      const top = perUser.sort((a, b) => b[1] - a[1])[0];
      expect(users.result[0].user).toBe(top[0]);
      expect(users.result[0].spend_usd).toBeCloseTo(top[1], 8);
    },
  );

  it.each([ALL_SCENARIO, { name: 'model', picks: { model: ['gpt-4o'] } }])(
    'Latency & errors: provider health, errors and latency percentiles ($name)',
    async (scenario) => {
      const health = await runPanel(latency, panelByTitle(latency, 'Provider health'), scenario);
      for (const [provider, group] of groupBy(health.expected, (r) => r.provider)) {
        const row = health.result.find((r) => r.provider === provider)!;
        const errors = count(group, (r) => r.status === 'error');
        expect(row, provider).toMatchObject({ calls: group.length, errors });
        expect(row.error_rate, provider).toBeCloseTo(errors / group.length, 9);
        expect(row.avg_latency_ms, provider).toBeCloseTo(sum(group.map((r) => r.total_latency_ms)) / group.length, 6);
      }

      const errors = await runPanel(latency, panelByTitle(latency, 'Errors by type'), scenario);
      expect(sum(errors.result.map((r) => r.errors as number))).toBe(
        count(errors.expected, (r) => r.status === 'error'),
      );

      const ttft = await runPanel(latency, panelByTitle(latency, 'Time to first token'), scenario);
      const served = ttft.expected.filter((r) => r.status === 'success' && !isHit(r));
      const values = served.map((r) => r.estimated_ttft_ms!).sort((a, b) => a - b);
      const { ttft_p50_ms: p50, ttft_p95_ms: p95 } = ttft.result[0] as Record<string, number>;
      expect(p50).toBeGreaterThanOrEqual(values[0]);
      expect(p50).toBeLessThanOrEqual(p95);
      expect(p95).toBeLessThanOrEqual(values[values.length - 1]);
      // quantile() samples; with fewer than 8,192 values it interpolates the exact order statistics.
      expect(p50).toBeCloseTo(values[Math.floor((values.length - 1) * 0.5)], -1);

      const byModel = await runPanel(latency, panelByTitle(latency, 'Latency by model'), scenario);
      for (const [model, group] of groupBy(served, (r) => r.model)) {
        expect(byModel.result.find((r) => r.model === model)?.calls, model).toBe(group.length);
      }
    },
  );

  it.each([ALL_SCENARIO, { name: 'model and team', picks: { model: ['gpt-4o'], tenant: ['team-a'] } }])(
    'Caching: exact, semantic and provider prompt-cache hit rates and savings ($name)',
    async (scenario) => {
      const exact = await runPanel(caching, panelByTitle(caching, 'Exact response cache'), scenario);
      const lookups = count(exact.expected, (r) => ['hit', 'semantic-hit', 'miss'].includes(r.response_cache_status));
      const kind = (status: string) => exact.expected.filter((r) => r.response_cache_status === status);
      expect(exact.result[0].hit_rate).toBeCloseTo(kind('hit').length / lookups, 9);
      expect(exact.result[0].saved_usd).toBeCloseTo(sum(kind('hit').map((r) => r.response_cache_saved_cost_usd)), 9);
      expect(exact.result[0].saved_usd).toBeGreaterThan(0);

      const semantic = await runPanel(caching, panelByTitle(caching, 'Semantic response cache'), scenario);
      expect(semantic.result[0].hit_rate).toBeCloseTo(kind('semantic-hit').length / lookups, 9);
      expect(semantic.result[0].saved_usd).toBeCloseTo(
        sum(kind('semantic-hit').map((r) => r.response_cache_saved_cost_usd)),
        9,
      );

      const provider = await runPanel(caching, panelByTitle(caching, 'Provider prompt cache'), scenario);
      const reported = provider.expected.filter((r) => r.actual_prompt_tokens !== null);
      const cached = sum(reported.map((r) => r.actual_cached_tokens));
      expect(provider.result[0].hit_rate).toBeCloseTo(cached / sum(reported.map((r) => r.actual_prompt_tokens)), 9);
      expect(provider.result[0].saved_usd).toBeCloseTo((cached * 1.25) / 1e6, 9); // the variable's default

      const byModel = await runPanel(caching, panelByTitle(caching, 'Caching by model'), scenario);
      for (const [model, group] of groupBy(byModel.expected, (r) => r.model)) {
        const row = byModel.result.find((r) => r.model === model)!;
        expect(row, model).toMatchObject({
          exact_hits: count(group, (r) => r.response_cache_status === 'hit'),
          semantic_hits: count(group, (r) => r.response_cache_status === 'semantic-hit'),
          provider_cached_tokens: sum(group.map((r) => r.actual_cached_tokens)),
        });
      }

      const saved = await runPanel(caching, panelByTitle(caching, 'Money saved by caching'), scenario);
      expect(sum(saved.result.map((r) => r.exact_cache_usd as number))).toBeCloseTo(
        sum(kind('hit').map((r) => r.response_cache_saved_cost_usd)),
        9,
      );
    },
  );

  it('Caching: predicted vs reported provider cache reads', async () => {
    const accuracy = await runPanel(caching, panelByTitle(caching, 'Prediction accuracy by model'), ALL_SCENARIO);
    const reported = accuracy.expected.filter((r) => r.actual_cached_tokens !== null);
    for (const [model, group] of groupBy(reported, (r) => r.model)) {
      const row = accuracy.result.find((r) => r.model === model)!;
      const actual = sum(group.map((r) => r.actual_cached_tokens));
      const predicted = sum(group.map((r) => r.estimated_cached_tokens));
      expect(row, model).toMatchObject({
        calls: group.length,
        reported_cached_tokens: actual,
        predicted_cached_tokens: predicted,
      });
      expect(row.predicted_over_reported, model).toBeCloseTo(predicted / Math.max(actual, 1), 9);
    }
    const overTime = await runPanel(
      caching,
      panelByTitle(caching, 'Predicted vs reported cached tokens'),
      ALL_SCENARIO,
    );
    expect(sum(overTime.result.map((r) => r.reported_cached_tokens as number))).toBe(
      sum(reported.map((r) => r.actual_cached_tokens)),
    );
    expect(sum(overTime.result.map((r) => r.predicted_cached_tokens as number))).toBe(
      sum(reported.map((r) => r.estimated_cached_tokens)),
    );
  });

  it.each([ALL_SCENARIO, { name: 'team', picks: { tenant: ["o'reilly-labs"] } }])(
    'Routing: tier mix and savings vs always-strong ($name)',
    async (scenario) => {
      const tiers = await runPanel(caching, panelByTitle(caching, 'Router tiers'), scenario);
      const routed = tiers.expected.filter((r) => r.router_tier !== '');
      for (const [tier, group] of groupBy(routed, (r) => r.router_tier)) {
        const row = tiers.result.find((r) => r.tier === tier)!;
        expect(row, tier).toMatchObject({
          calls: count(group, (r) => !isCascadeAttempt(r)),
          escalated_in: count(group, (r) => r.router_escalated_from !== ''),
          cascade_attempts: count(group, isCascadeAttempt),
        });
        expect(row.cost_usd, tier).toBeCloseTo(sum(group.map((r) => r.estimated_cost_usd)), 9);
      }

      // Strong tier = the variables' defaults, gpt-4o list prices: 2.5 / 10 USD per 1M tokens.
      const savings = await runPanel(caching, panelByTitle(caching, 'Router savings vs always-strong'), scenario);
      const counted = routed.filter((r) => r.status === 'success' && !isHit(r) && r.estimated_cost_usd !== null);
      const alwaysStrong = sum(
        counted
          .filter((r) => !isCascadeAttempt(r))
          .map(
            (r) =>
              ((r.actual_prompt_tokens ?? r.estimated_prompt_tokens) * 2.5 +
                (r.actual_completion_tokens ?? r.estimated_completion_tokens) * 10) /
              1e6,
          ),
      );
      const actual = sum(counted.map((r) => r.estimated_cost_usd));
      expect(savings.result[0].saved_usd).toBeCloseTo(alwaysStrong - actual, 9);
      expect(savings.result[0].saved_share).toBeCloseTo((alwaysStrong - actual) / alwaysStrong, 9);
      expect(savings.result[0].saved_usd).toBeGreaterThan(0);

      const escalations = await runPanel(caching, panelByTitle(caching, 'Routed calls and escalations'), scenario);
      const finals = routed.filter((r) => !isCascadeAttempt(r));
      expect(escalations.result[0].routed_calls).toBe(finals.length);
      expect(escalations.result[0].escalation_rate).toBeCloseTo(
        count(routed, (r) => r.router_escalated_from !== '') / finals.length,
        9,
      );
    },
  );
});
