/**
 * What users' read-only SQL may reference. Tables are allow-listed; functions that reach outside the
 * LessLLM tables (files, network, processes, other databases and servers, dictionaries, server settings,
 * introspection) are deny-listed by name and by prefix, because ClickHouse's ~1,800 functions are mostly
 * pure. sql-sandbox.spec.ts checks this list against system.functions of the shipped chDB.
 */

/**
 * The LessLLM tables the query API may read, by name in the store's database. This is the one place to add a
 * table (e.g. one the advisor writes); grant it to the query user in deploy/ too (clickhouse-users.xml and the
 * ClickHouseInstallation).
 */
export const QUERYABLE_TABLES: readonly string[] = ['api_calls', 'api_calls_hourly'];

/** system tables without data or metadata: the one-row table and generated numbers (bounded by the limits). */
export const SAFE_SYSTEM_TABLES: readonly string[] = ['one', 'numbers', 'numbers_mt'];

/** Table functions that only generate values (lower case; ClickHouse resolves some case-insensitively). */
export const SAFE_TABLE_FUNCTIONS: readonly string[] = [
  'numbers',
  'numbers_mt',
  'generateseries',
  'generate_series',
  'values',
];

interface DenyRule {
  test: (lowerName: string) => boolean;
  why: string;
}

const names =
  (...list: string[]) =>
  (name: string): boolean =>
    list.includes(name);
const prefix =
  (pattern: RegExp) =>
  (name: string): boolean =>
    pattern.test(name);

const DENY_RULES: readonly DenyRule[] = [
  {
    // file(), fileCluster(), filesystemAvailable() ...; models and certificates are files too.
    test: (n) =>
      prefix(/^file/)(n) ||
      prefix(/^naivebayesclassifier/)(n) ||
      names('catboostevaluate', 'modelevaluate', 'showcertificate')(n),
    why: 'it reads files on the database host',
  },
  {
    test: (n) =>
      names('url', 'urlcluster', 'generateserialid')(n) ||
      prefix(/^(s3|hdfs|azure|gcs|remote|cluster|kafka|nats|rabbitmq|ytsaurus|arrowflight|ai)/)(n),
    why: 'it reaches other servers over the network',
  },
  {
    test: prefix(/^(mysql|postgres|sqlite|mongo|redis|odbc|jdbc)/),
    why: 'it reads another database',
  },
  { test: prefix(/^executable/), why: 'it runs a process' },
  {
    // dictGet*, dictHas, dictIsIn ...; regionTo* read the embedded geobase dictionaries.
    test: (n) =>
      prefix(/^(dict|region|joinget)/)(n) || names('hascolumnintable', 'getmaxtablenamelengthfordatabase')(n),
    why: 'it reads dictionaries or tables by name, around the table allow-list',
  },
  {
    // The function forms of IN take a table name as an argument (the operator form is checked as a table).
    test: prefix(/^(global)?(not)?(null)?in(ignoreset)?$/),
    why: 'its second argument reads a table by name; use the IN operator',
  },
  {
    test: (n) =>
      names(
        'getsetting',
        'getsettingordefault',
        'getserversetting',
        'getmergetreesetting',
        'getmacro',
        'getserverport',
        'getclienthttpheader',
        'globalvariable',
        'tcpport',
        'hostname',
        'fqdn',
        'fullhostname',
        'displayname',
        'buildid',
        'serveruuid',
        'getoskernelversion',
        'zookeepersessionuptime',
        'hasthreadfuzzer',
        'currentuser',
        'current_user',
        'user',
        'session_user',
        'authenticateduser',
        'authuser',
        'currentroles',
        'enabledroles',
        'defaultroles',
        'currentprofiles',
        'enabledprofiles',
        'defaultprofiles',
      )(n),
    why: 'it reveals server configuration, the host or the database user',
  },
  {
    test: (n) =>
      prefix(/^(address|__)/)(n) ||
      names('demangle', 'tid', 'logtrace', 'mergetreepartinfo', 'ismergetreepartcoveredby')(n),
    why: 'it is an introspection or internal function',
  },
];

/** Why a function may not be called from users' SQL, or null when it may. Names are compared case-insensitively. */
export function deniedFunction(name: string): string | null {
  const lower = name.toLowerCase();
  return DENY_RULES.find((rule) => rule.test(lower))?.why ?? null;
}

export function isSafeTableFunction(name: string): boolean {
  return SAFE_TABLE_FUNCTIONS.includes(name.toLowerCase());
}

/** What the query API can read, for error messages. */
export function readableTables(database: string): string {
  const system = SAFE_SYSTEM_TABLES.map((t) => `system.${t}`).join(', ');
  const functions = SAFE_TABLE_FUNCTIONS.map((f) => `${f}()`).join(', ');
  return `only ${QUERYABLE_TABLES.join(', ')} (database ${database}), ${system} and ${functions}`;
}
