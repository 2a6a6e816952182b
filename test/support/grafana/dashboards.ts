import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** The parts of Grafana's dashboard JSON model the tests read. */
export interface DataSourceRef {
  type?: string;
  uid?: string;
}

export interface Target {
  refId: string;
  datasource?: DataSourceRef;
  editorType?: string;
  /** grafana-clickhouse-datasource: 0 time series, 1 table, 2 logs, 3 traces. */
  format?: number;
  queryType?: string;
  rawSql?: string;
  hide?: boolean;
}

export interface FieldOverride {
  matcher: { id: string; options?: unknown };
  properties: Array<{ id: string; value?: unknown }>;
}

export interface Panel {
  id: number;
  type: string;
  title: string;
  description?: string;
  datasource?: DataSourceRef;
  gridPos?: { h: number; w: number; x: number; y: number };
  targets?: Target[];
  panels?: Panel[];
  fieldConfig?: { defaults?: Record<string, unknown>; overrides?: FieldOverride[] };
  options?: { reduceOptions?: { fields?: string; values?: boolean } } & Record<string, unknown>;
}

export interface TemplateVariable {
  name: string;
  type: string;
  label?: string;
  query?: string | { rawSql?: string; editorType?: string };
  datasource?: DataSourceRef;
  current?: { text?: string | string[]; value?: string | string[] };
  includeAll?: boolean;
  multi?: boolean;
  allValue?: string | null;
}

export interface Dashboard {
  uid: string;
  title: string;
  schemaVersion?: number;
  panels: Panel[];
  templating?: { list: TemplateVariable[] };
  time?: { from: string; to: string };
}

export interface LoadedDashboard {
  file: string;
  dashboard: Dashboard;
}

export const GRAFANA_DIR = resolve(__dirname, '../../../deploy/grafana');
export const DASHBOARDS_DIR = join(GRAFANA_DIR, 'dashboards');
export const CLICKHOUSE_PLUGIN = 'grafana-clickhouse-datasource';

export function loadDashboards(dir = DASHBOARDS_DIR): LoadedDashboard[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => ({ file, dashboard: JSON.parse(readFileSync(join(dir, file), 'utf8')) as Dashboard }));
}

/** Every panel, the ones inside (collapsed) rows included. */
export function allPanels(dashboard: Dashboard): Panel[] {
  const out: Panel[] = [];
  const walk = (panels: Panel[]) => {
    for (const panel of panels) {
      out.push(panel);
      if (panel.panels?.length) walk(panel.panels);
    }
  };
  walk(dashboard.panels);
  return out;
}

/** Panels that run queries (not rows or text). */
export function queryPanels(dashboard: Dashboard): Panel[] {
  return allPanels(dashboard).filter((p) => (p.targets ?? []).length > 0);
}

export function variables(dashboard: Dashboard): TemplateVariable[] {
  return dashboard.templating?.list ?? [];
}

/** The SQL of a query variable (the plugin stores `{ rawSql }`; plain strings also occur). */
export function variableSql(variable: TemplateVariable): string | undefined {
  if (variable.type !== 'query') return undefined;
  return typeof variable.query === 'string' ? variable.query : variable.query?.rawSql;
}

/** The query panel (not a row) with this title. */
export function panelByTitle(dashboard: Dashboard, title: string): Panel {
  const panel = queryPanels(dashboard).find((p) => p.title === title);
  if (!panel) throw new Error(`dashboard ${dashboard.uid} has no panel titled "${title}"`);
  return panel;
}

/** Field names a panel's overrides point at by name. */
export function overrideFieldNames(panel: Panel): string[] {
  return (panel.fieldConfig?.overrides ?? [])
    .filter((o) => o.matcher.id === 'byName' && typeof o.matcher.options === 'string')
    .map((o) => o.matcher.options as string);
}
