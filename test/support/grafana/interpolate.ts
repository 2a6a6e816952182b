/**
 * What Grafana and the official ClickHouse data source (grafana-clickhouse-datasource v4) do to a panel's rawSql
 * before ClickHouse sees it, re-implemented for tests, in the same order:
 *
 * 1. Frontend, `$__conditionalAll(condition, $var)` (plugin src/data/CHDatasource.ts, applyConditionalAll): from the
 *    last occurrence backwards, the two top-level arguments are cut out; when the variable's current value is
 *    '' or '$__all' (All selected) the call becomes `1=1`, otherwise the condition text, untouched.
 * 2. Frontend, template variables (Grafana templateSrv.replace): `$var`, `${var}`, `${var:format}`, `[[var]]`;
 *    All expands to the variable's allValue or to every option. Without a format the plugin's own formatter
 *    applies: arrays become `'a','b'`, single values are inserted raw. Unknown names are left as they are.
 * 3. Backend, macros (plugin pkg/macros/macros.go on top of grafana-plugin-sdk-go data/sqlutil Interpolate):
 *    `$__name` followed by a word boundary, arguments only when `(` follows immediately, split on top-level
 *    commas and trimmed; each distinct match is replaced everywhere it occurs.
 */

export interface TimeRange {
  from: Date;
  to: Date;
}

export interface MacroContext extends TimeRange {
  /** The panel's interval (Grafana `$__interval`), in milliseconds. */
  intervalMs: number;
}

/** One dashboard variable as the interpolation needs it. */
export interface VariableValue {
  name: string;
  /** A string, a list (multi-value), or ['$__all'] / '$__all' for All. */
  value: string | string[];
  /** Every option's value, for All without a custom allValue. */
  options?: string[];
  allValue?: string | null;
}

export const ALL = '$__all';

function isAll(value: string | string[]): boolean {
  return Array.isArray(value) ? value.includes(ALL) : value === ALL;
}

// ---- 1. $__conditionalAll ---------------------------------------------------------------------------------------

/** The plugin's getMacroArgs: top-level arguments of the call whose `(` is at `openIndex`; [] if it never closes. */
function macroArgs(query: string, openIndex: number): string[] {
  const args: string[] = [];
  const re = /\(|\)|,/g;
  const rest = query.substring(openIndex);
  let depth = 0;
  let lastEnd = 1;
  let m: RegExpExecArray | null;
  while ((m = re.exec(rest)) !== null) {
    if (m[0] === '(') depth++;
    else if (m[0] === ')') depth--;
    if (m[0] === ',' && depth === 1) {
      args.push(rest.substring(lastEnd, re.lastIndex - 1));
      lastEnd = re.lastIndex;
    }
    if (depth === 0) {
      args.push(rest.substring(lastEnd, re.lastIndex - 1));
      return args;
    }
  }
  return [];
}

export function applyConditionalAll(rawQuery: string, variables: readonly VariableValue[]): string {
  const macro = '$__conditionalAll(';
  let query = rawQuery;
  let index = query.lastIndexOf(macro);
  while (index !== -1) {
    const params = macroArgs(query, index + macro.length - 1);
    if (params.length !== 2) return query;
    const templateVar = params[1].trim();
    const variable = variables.find((v) => v.name === templateVar.substring(1));
    const value = variable === undefined ? undefined : String(variable.value);
    const phrase = value === '' || value === ALL ? '1=1' : params[0];
    // String.prototype.replace with a string pattern: the first occurrence, as the plugin does.
    query = query.replace(`${macro}${params[0]},${params[1]})`, phrase);
    index = query.lastIndexOf(macro);
  }
  return query;
}

// ---- 2. template variables --------------------------------------------------------------------------------------

// Grafana's variable regex (public/app/features/variables/utils.ts).
const VARIABLE_REGEX = /\$(\w+)|\[\[(\w+?)(?::(\w+))?\]\]|\${(\w+)(?:\.([^:^}]+))?(?::([^}]+))?}/g;

/** The plugin's formatter, used when the reference names no format. */
function pluginFormat(value: string | string[]): string {
  return Array.isArray(value) ? `'${value.join("','")}'` : value;
}

function formatValue(value: string | string[], format: string | undefined): string {
  const list = Array.isArray(value) ? value : [value];
  switch (format) {
    case undefined:
      return pluginFormat(value);
    case 'singlequote':
      return list.map((v) => `'${v.replace(/'/g, "\\'")}'`).join(',');
    case 'doublequote':
      return list.map((v) => `"${v.replace(/"/g, '\\"')}"`).join(',');
    case 'sqlstring':
      return list.map((v) => `'${v.replace(/'/g, "''")}'`).join(',');
    case 'csv':
      return list.join(',');
    case 'raw':
      return Array.isArray(value) ? list.join(',') : value;
    default:
      throw new Error(`template variable format ":${format}" is not supported by this test helper`);
  }
}

export function replaceVariables(sql: string, variables: readonly VariableValue[]): string {
  return sql.replace(
    VARIABLE_REGEX,
    (
      match: string,
      plain?: string,
      bracketName?: string,
      bracketFormat?: string,
      braceName?: string,
      fieldPath?: string,
      braceFormat?: string,
    ) => {
      const name = plain ?? bracketName ?? braceName;
      const variable = variables.find((v) => v.name === name);
      if (!variable) return match;
      if (fieldPath) throw new Error(`field paths (\${${name}.${fieldPath}}) are not supported by this test helper`);
      const format = bracketFormat ?? braceFormat;
      if (isAll(variable.value)) {
        if (variable.allValue) return variable.allValue; // a custom all value is inserted unformatted
        return formatValue(variable.options ?? [], format);
      }
      return formatValue(variable.value, format);
    },
  );
}

// ---- 3. backend macros ------------------------------------------------------------------------------------------

type MacroFn = (ctx: MacroContext, args: string[]) => string;

const seconds = (d: Date): number => Math.floor(d.getTime() / 1000);
const toDateTime = (d: Date): string => `toDateTime(${seconds(d)})`;
const toDateTime64 = (d: Date): string => `fromUnixTimestamp64Milli(${d.getTime()})`;
const toDate = (d: Date): string => `toDate('${d.toISOString().slice(0, 10)}')`;
const rfc3339 = (d: Date): string => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

function oneArg(name: string, args: string[]): string {
  if (args.length !== 1) throw new Error(`$__${name}: expected 1 argument, received ${args.length}`);
  return args[0];
}

/** Go's int(math.Max(d.Seconds(), 1)): truncated, at least 1. */
const intervalSeconds = (ctx: MacroContext): number => Math.trunc(Math.max(ctx.intervalMs / 1000, 1));

export const CLICKHOUSE_MACROS: Readonly<Record<string, MacroFn>> = {
  fromTime: (ctx) => toDateTime(ctx.from),
  toTime: (ctx) => toDateTime(ctx.to),
  fromTime_ms: (ctx) => toDateTime64(ctx.from),
  toTime_ms: (ctx) => toDateTime64(ctx.to),
  timeFilter: (ctx, args) => {
    const c = oneArg('timeFilter', args);
    return `${c} >= ${toDateTime(ctx.from)} AND ${c} <= ${toDateTime(ctx.to)}`;
  },
  timeFilter_ms: (ctx, args) => {
    const c = oneArg('timeFilter_ms', args);
    return `${c} >= ${toDateTime64(ctx.from)} AND ${c} <= ${toDateTime64(ctx.to)}`;
  },
  dateFilter: (ctx, args) => {
    const c = oneArg('dateFilter', args);
    return `${c} >= ${toDate(ctx.from)} AND ${c} <= ${toDate(ctx.to)}`;
  },
  dateTimeFilter: (ctx, args) => dateTimeFilter(ctx, args),
  dt: (ctx, args) => dateTimeFilter(ctx, args),
  timeInterval: (ctx, args) =>
    `toStartOfInterval(toDateTime(${oneArg('timeInterval', args)}), INTERVAL ${intervalSeconds(ctx)} second)`,
  timeInterval_ms: (ctx, args) =>
    `toStartOfInterval(toDateTime64(${oneArg('timeInterval_ms', args)}, 3), INTERVAL ${Math.trunc(
      Math.max(ctx.intervalMs, 1),
    )} millisecond)`,
  interval_s: (ctx) => String(intervalSeconds(ctx)),
  // sqlutil's defaults that the ClickHouse plugin does not override.
  timeFrom: (ctx, args) => `${oneArg('timeFrom', args)} >= '${rfc3339(ctx.from)}'`,
  timeTo: (ctx, args) => `${oneArg('timeTo', args)} <= '${rfc3339(ctx.to)}'`,
};

function dateTimeFilter(ctx: MacroContext, args: string[]): string {
  if (args.length !== 2) throw new Error(`$__dateTimeFilter: expected 2 arguments, received ${args.length}`);
  const [date, time] = args;
  return (
    `(${date} >= ${toDate(ctx.from)} AND ${date} <= ${toDate(ctx.to)}) AND ` +
    `(${time} >= ${toDateTime(ctx.from)} AND ${time} <= ${toDateTime(ctx.to)})`
  );
}

/** sqlutil parseArgs: `(` right after the name opens the arguments; top-level commas split them. */
function parseArgs(rest: string): { args: string[] | null; length: number } {
  if (!rest.startsWith('(')) return { args: null, length: 0 };
  const args: string[] = [];
  let depth = 0;
  let start = 1;
  for (let i = 0; i < rest.length; i++) {
    const c = rest[i];
    if (c === '(') depth++;
    else if (c === ')') {
      depth--;
      if (depth === 0) {
        args.push(rest.slice(start, i));
        return { args, length: i + 1 };
      }
    } else if (c === ',' && depth === 1) {
      args.push(rest.slice(start, i));
      start = i + 1;
    }
  }
  throw new Error(`missing closing bracket in macro call: ${rest.slice(0, 60)}`);
}

/**
 * Older sqlutil releases (getMacroMatches) scan from the macro to the first bracket anywhere after it, even past
 * spaces, and split arguments on every comma. A query that expands the same under both is safe on any plugin
 * version; the dashboard test checks that.
 */
function legacyMatch(rest: string, nameLength: number): { args: string[]; length: number } {
  let depth = 0;
  let argStart = 0;
  let end = 0;
  for (let i = 0; i < rest.length; i++) {
    if (depth === 0 && end > 0) break;
    const c = rest[i];
    if (c === '(') {
      depth++;
      if (argStart === 0) argStart = i + 1;
    } else if (c === ')') {
      if (depth === 0) {
        end = 0;
        break;
      }
      depth--;
      end = i + 1;
    }
  }
  if (end === 0) end = nameLength;
  const inner = argStart > 0 ? rest.slice(argStart, end - 1) : '';
  return { args: inner.split(','), length: end };
}

export type MacroParser = 'current' | 'legacy';

export function expandMacros(sql: string, ctx: MacroContext, parser: MacroParser = 'current'): string {
  let out = sql;
  for (const [name, fn] of Object.entries(CLICKHOUSE_MACROS)) {
    const re = new RegExp(`\\$__${name}\\b`, 'g');
    const matches: Array<{ text: string; args: string[] }> = [];
    for (const m of out.matchAll(re)) {
      const start = m.index;
      const nameLength = m[0].length;
      if (parser === 'current') {
        const { args, length } = parseArgs(out.slice(start + nameLength));
        matches.push({ text: out.slice(start, start + nameLength + length), args: args ?? [] });
      } else {
        const { args, length } = legacyMatch(out.slice(start), nameLength);
        matches.push({ text: out.slice(start, start + length), args });
      }
    }
    for (const { text, args } of matches) {
      out = out.split(text).join(
        fn(
          ctx,
          args.map((a) => a.trim()),
        ),
      );
    }
  }
  return out;
}

/** The whole pipeline for one target: conditionalAll, variables, macros. */
export function interpolatePanelSql(rawSql: string, variables: readonly VariableValue[], ctx: MacroContext): string {
  return expandMacros(replaceVariables(applyConditionalAll(rawSql, variables), variables), ctx);
}

/** `$name`, `${...}`, `[[...]]` or `$__...` left in a query: something was not expanded. */
export function leftoverReferences(sql: string): string[] {
  return [...sql.matchAll(/\$__\w+|\$\{[^}]*\}|\$\w+|\[\[\w+(?::\w+)?\]\]/g)].map((m) => m[0]);
}
