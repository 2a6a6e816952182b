import { Session } from 'chdb';
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import zlib from 'node:zlib';

/**
 * TEST ONLY. The part of ClickHouse's HTTP interface that @clickhouse/client uses, on top of chDB, so the server
 * store (ClickHouseServerCallStore) runs here without a server. Implemented: `/ping`; queries in the POST body
 * or the `query` URL parameter (an INSERT's data in the body); `database`, `default_format`, `query_id`,
 * `param_<name>` and settings as URL parameters; basic auth, X-ClickHouse-User/-Key and `user`/`password`
 * parameters (wrong credentials are refused like the server does); users with a settings profile and
 * constraints (readonly, min/max, changeable_in_readonly, modelled in JS); one statement per request; gzip,
 * deflate and br request bodies and responses (`enable_http_compression=1` + Accept-Encoding); the
 * X-ClickHouse-Query-Id / -Format / -Timezone / -Summary headers; errors as ClickHouse writes them
 * (`Code: N. DB::Exception: ... (NAME) (version ...)`, X-ClickHouse-Exception-Code, an HTTP status by code).
 * What it cannot prove is listed in libs/store/src/NOTES.md ("The HTTP shim").
 */

export type SettingValue = string | number;

export interface SettingConstraint {
  min?: number;
  max?: number;
  /** The setting may be changed (within min/max) although the profile is readonly = 1. */
  changeableInReadonly?: boolean;
  /** `<const/>`: may not be changed at all. */
  constant?: boolean;
}

export interface ShimUser {
  password: string;
  /** The user's settings profile, applied before the request's settings (readonly among them). */
  profile?: Record<string, SettingValue>;
  constraints?: Record<string, SettingConstraint>;
}

export interface ShimOptions {
  dataDir: string;
  users: Record<string, ShimUser>;
}

export interface ShimRequest {
  user: string;
  method: string;
  /** The statement's first words, e.g. "SELECT", "INSERT INTO api_calls". */
  statement: string;
  settings: Record<string, string>;
  requestEncoding?: string;
  responseEncoding?: string;
  status: number;
  queryId: string;
}

export interface RunningShim {
  url: string;
  /** Every request answered, in order (for tests to check what the client really sent). */
  requests: ShimRequest[];
  close(): Promise<void>;
}

/** HTTP parameters the server itself handles; every other non-`param_` parameter is a setting. */
const RESERVED = new Set([
  'query',
  'database',
  'default_format',
  'query_id',
  'user',
  'password',
  'quota_key',
  'role',
  'session_id',
  'session_timeout',
  'session_check',
  'compress',
  'decompress',
  'buffer_size',
  'wait_end_of_query',
  'stacktrace',
  'close_session',
  'client_protocol_version',
]);

/** The server's defaults where chDB (clickhouse-local) differs, so responses look like a server's. */
const SERVER_DEFAULTS: Record<string, SettingValue> = {
  output_format_json_quote_64bit_integers: 1,
  implicit_select: 0,
  allow_introspection_functions: 0,
};

const VERSION = '26.7 (lessllm http shim on chDB)';

/** ClickHouse's exceptionCodeToHTTPStatus, for the codes tests meet. */
function httpStatusOf(code: number): number {
  if ([192, 193, 516].includes(code)) return 403; // UNKNOWN_USER, WRONG_PASSWORD, AUTHENTICATION_FAILED
  if (code === 194) return 401; // REQUIRED_PASSWORD
  if ([164, 497, 452].includes(code)) return 403; // READONLY, ACCESS_DENIED, SETTING_CONSTRAINT_VIOLATION
  if ([60, 81, 46, 47, 115].includes(code)) return 404; // UNKNOWN_TABLE, _DATABASE, _FUNCTION, _IDENTIFIER, _SETTING
  if ([62, 26, 27, 36, 38, 41, 53, 70, 72, 117, 130].includes(code)) return 400; // SYNTAX_ERROR, parse errors ...
  if (code === 159) return 408; // TIMEOUT_EXCEEDED
  if (code === 48) return 501; // NOT_IMPLEMENTED
  return 500;
}

class ShimError extends Error {
  constructor(
    readonly code: number,
    readonly codeName: string,
    message: string,
  ) {
    super(`Code: ${code}. DB::Exception: ${message}. (${codeName}) (version ${VERSION})`);
  }
}

function engineError(err: unknown): { code: number; text: string } {
  if (err instanceof ShimError) return { code: err.code, text: err.message };
  const message = err instanceof Error ? err.message : String(err);
  const code = Number(/Code: (\d+)\./.exec(message)?.[1] ?? 1001);
  const text = /DB::Exception/.test(message) ? message : `Code: ${code}. DB::Exception: ${message}. (STD_EXCEPTION)`;
  return { code, text: `${text.replace(/\s*\(version [^)]*\)/g, '')} (version ${VERSION})` };
}

function literal(value: SettingValue): string {
  if (typeof value === 'number' || /^-?\d+(\.\d+)?$/.test(value)) return String(value);
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

function setStatement(settings: [string, SettingValue][]): string | null {
  return settings.length ? `SET ${settings.map(([k, v]) => `${k} = ${literal(v)}`).join(', ')}` : null;
}

function authenticate(req: IncomingMessage, url: URL, users: Record<string, ShimUser>): string {
  let name = 'default';
  let password = '';
  const basic = /^Basic (.+)$/i.exec(req.headers.authorization ?? '');
  if (basic) {
    const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    name = decoded.slice(0, colon);
    password = decoded.slice(colon + 1);
  } else if (req.headers['x-clickhouse-user']) {
    name = String(req.headers['x-clickhouse-user']);
    password = String(req.headers['x-clickhouse-key'] ?? '');
  } else if (url.searchParams.has('user')) {
    name = url.searchParams.get('user') ?? '';
    password = url.searchParams.get('password') ?? '';
  }
  const user = Object.prototype.hasOwnProperty.call(users, name) ? users[name] : undefined;
  if (!user || user.password !== password) {
    // The server's words (it does not say which of the two was wrong).
    throw new ShimError(
      516,
      'AUTHENTICATION_FAILED',
      `${name}: Authentication failed: password is incorrect, or there is no user with such name`,
    );
  }
  return name;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of req as AsyncIterable<Buffer>) parts.push(part);
  const raw = Buffer.concat(parts);
  const encoding = req.headers['content-encoding'];
  if (!encoding) return raw;
  if (encoding === 'gzip') return promisify(zlib.gunzip)(raw);
  if (encoding === 'deflate') return promisify(zlib.inflate)(raw);
  if (encoding === 'br') return promisify(zlib.brotliDecompress)(raw);
  throw new ShimError(
    1001,
    'STD_EXCEPTION',
    `Unsupported Content-Encoding ${encoding} (the shim knows gzip, deflate, br)`,
  );
}

/** The request's settings, checked against the user's profile constraints as the server would. */
function checkedSettings(
  user: ShimUser,
  requested: [string, string][],
): { changeable: [string, string][]; rest: [string, string][] } {
  const profile = user.profile ?? {};
  const readonly = Number(profile.readonly ?? 0);
  const changeable: [string, string][] = [];
  const rest: [string, string][] = [];
  for (const [name, value] of requested) {
    const constraint = user.constraints?.[name];
    const same = profile[name] !== undefined && String(profile[name]) === value;
    if (constraint?.constant && !same) {
      throw new ShimError(452, 'SETTING_CONSTRAINT_VIOLATION', `Setting ${name} should not be changed`);
    }
    const numeric = Number(value);
    if (constraint?.min !== undefined && numeric < constraint.min)
      throw new ShimError(
        452,
        'SETTING_CONSTRAINT_VIOLATION',
        `Setting ${name} shouldn't be less than ${constraint.min}`,
      );
    if (constraint?.max !== undefined && numeric > constraint.max)
      throw new ShimError(
        452,
        'SETTING_CONSTRAINT_VIOLATION',
        `Setting ${name} shouldn't be greater than ${constraint.max}`,
      );
    if (readonly === 1 && constraint?.changeableInReadonly) changeable.push([name, value]);
    else rest.push([name, value]); // under readonly the engine itself refuses a different value
  }
  return { changeable, rest };
}

function summary(
  result: { rowsRead: number; bytesRead: number; elapsed: number } | undefined,
  resultBytes: number,
): string {
  return JSON.stringify({
    read_rows: String(result?.rowsRead ?? 0),
    read_bytes: String(result?.bytesRead ?? 0),
    written_rows: '0',
    written_bytes: '0',
    total_rows_to_read: '0',
    result_rows: '0',
    result_bytes: String(resultBytes),
    elapsed_ns: String(Math.round((result?.elapsed ?? 0) * 1e9)),
  });
}

function compress(body: Buffer, acceptEncoding: string, url: URL): { body: Buffer; encoding?: string } {
  if (url.searchParams.get('enable_http_compression') !== '1') return { body };
  const accepted = acceptEncoding.split(',').map((e) => e.trim().split(';')[0]);
  if (accepted.includes('gzip')) return { body: zlib.gzipSync(body), encoding: 'gzip' };
  if (accepted.includes('deflate')) return { body: zlib.deflateSync(body), encoding: 'deflate' };
  if (accepted.includes('br')) return { body: zlib.brotliCompressSync(body), encoding: 'br' };
  return { body };
}

class Shim {
  readonly requests: ShimRequest[] = [];

  constructor(private readonly options: ShimOptions) {}

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://shim');
    const queryId = url.searchParams.get('query_id') ?? randomUUID();
    const record: ShimRequest = {
      user: '',
      method: req.method ?? 'GET',
      statement: '',
      settings: {},
      status: 200,
      queryId,
    };
    res.setHeader('X-ClickHouse-Query-Id', queryId);
    res.setHeader('X-ClickHouse-Server-Display-Name', 'lessllm-shim');
    try {
      if (
        url.pathname === '/ping' ||
        (url.pathname === '/' && req.method === 'GET' && !url.searchParams.has('query'))
      ) {
        res.writeHead(200, { 'Content-Type': 'text/html; charset=UTF-8' }).end('Ok.\n');
        return;
      }
      if (url.pathname !== '/')
        throw new ShimError(1001, 'STD_EXCEPTION', `No handler for ${url.pathname} in the shim`);
      record.user = authenticate(req, url, this.options.users);
      record.requestEncoding = req.headers['content-encoding'];
      const body = await readBody(req);
      const answer = await this.execute(req, url, record, body);
      const { body: out, encoding } = compress(answer.bytes, String(req.headers['accept-encoding'] ?? ''), url);
      record.responseEncoding = encoding;
      res.writeHead(200, {
        'Content-Type': 'text/plain; charset=UTF-8',
        'X-ClickHouse-Format': answer.format,
        'X-ClickHouse-Timezone': 'UTC',
        'X-ClickHouse-Summary': answer.summary,
        ...(encoding ? { 'Content-Encoding': encoding } : {}),
      });
      res.end(out);
    } catch (err) {
      const { code, text } = engineError(err);
      record.status = httpStatusOf(code);
      res.writeHead(record.status, {
        'Content-Type': 'text/plain; charset=UTF-8',
        'X-ClickHouse-Exception-Code': String(code),
      });
      res.end(`${text}\n`);
    } finally {
      this.requests.push(record);
    }
  }

  private async execute(req: IncomingMessage, url: URL, record: ShimRequest, body: Buffer) {
    const user = this.options.users[record.user];
    const statementText = url.searchParams.get('query') ?? body.toString('utf8');
    // With `query` in the URL the body is the INSERT's data; otherwise the body is the statement.
    const text =
      url.searchParams.has('query') && body.length ? `${statementText}\n${body.toString('utf8')}` : statementText;
    record.statement = statementText.trim().split(/\s+/).slice(0, 3).join(' ');
    if (url.searchParams.has('session_id')) throw new ShimError(48, 'NOT_IMPLEMENTED', 'the shim has no HTTP sessions');

    const settings: [string, string][] = [];
    const params: [string, string][] = [];
    for (const [key, value] of url.searchParams) {
      if (key.startsWith('param_')) params.push([key.slice('param_'.length), value]);
      else if (!RESERVED.has(key)) settings.push([key, value]);
    }
    record.settings = Object.fromEntries(settings);
    const checked = checkedSettings(user, settings);

    const session = new Session(this.options.dataDir);
    try {
      const run = async (sql: string | null) => {
        if (sql) await session.queryAsync(sql, { format: 'TabSeparated' });
      };
      const profile = Object.entries(user.profile ?? {});
      await run(setStatement(Object.entries(SERVER_DEFAULTS)));
      await run(setStatement(profile.filter(([k]) => k !== 'readonly')));
      await run(setStatement(checked.changeable));
      await run(setStatement(profile.filter(([k]) => k === 'readonly')));
      // GET requests are read-only on a server (readonly = 2 unless the profile says more).
      if (req.method === 'GET' && Number(user.profile?.readonly ?? 0) === 0) await run('SET readonly = 2');
      // The request's own settings as one batch, readonly last: checked against what is in force, as a server does.
      const readonlyLast = [
        ...checked.rest.filter(([k]) => k !== 'readonly'),
        ...checked.rest.filter(([k]) => k === 'readonly'),
      ];
      await run(setStatement(readonlyLast));
      // The HTTP interface runs exactly one statement: ClickHouse's parser says whether this is one. (Before the
      // parameters: a bound query clears the connection's parameters when it ends.)
      await session.queryBindAsync(
        'SELECT formatQuerySingleLine({q:String})',
        { q: statementText },
        { format: 'TabSeparated' },
      );
      await run(setStatement(params.map(([k, v]) => [`param_${k}`, v])));
      const database = url.searchParams.get('database');
      if (database) await run(`USE \`${database.replace(/`/g, '``')}\``);
      const format = url.searchParams.get('default_format') ?? 'TabSeparated';
      const result = await session.queryAsync(text, { format });
      const bytes = Buffer.from(result.bytes());
      return { bytes, format, summary: summary(result, bytes.length) };
    } finally {
      session.close();
    }
  }
}

/** Starts the shim on 127.0.0.1 (a free port). One shim per process: chDB binds one data directory. */
export async function startClickHouseHttpShim(options: ShimOptions): Promise<RunningShim> {
  // Holds the engine open between requests (each request has its own connection, as on a server).
  const keeper = new Session(options.dataDir);
  const shim = new Shim(options);
  const server: Server = createServer((req, res) => void shim.handle(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests: shim.requests,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      keeper.close();
    },
  };
}
