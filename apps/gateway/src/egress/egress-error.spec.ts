import { describe, expect, it } from 'vitest';
import { EgressError } from './egress-error';

describe('EgressError', () => {
  const auth = new EgressError({
    stage: 'proxy_auth',
    proxy: 'http://alice:s3cret%21@127.0.0.1:8888',
    target: 'api.openai.com:443',
    detail: 'authentication rejected (407) for s3cret!',
    hint: 'check the proxy username/password',
  });

  it('formats route, detail and hint, masking and scrubbing the password (raw and URL-decoded)', () => {
    expect(auth.message).toBe(
      'proxy http://alice:***@127.0.0.1:8888: authentication rejected (407) for *** — check the proxy username/password',
    );
    expect(auth).toMatchObject({
      name: 'EgressError',
      stage: 'proxy_auth',
      proxy: 'http://alice:***@127.0.0.1:8888',
      attempts: [],
    });
    expect(auth.message).not.toMatch(/s3cret/);
  });

  it('names direct connections by target', () => {
    const err = new EgressError({
      stage: 'connect',
      proxy: null,
      target: 'a.example:443',
      detail: 'connection refused (ECONNREFUSED)',
      hint: 'h',
    });
    expect(err.message).toBe('direct connection to a.example:443: connection refused (ECONNREFUSED) — h');
  });

  it('combines attempts in order, taking stage and proxy from the last', () => {
    const direct = new EgressError({ stage: 'timeout', proxy: null, target: 't:443', detail: 'timed out', hint: 'h2' });
    const combined = EgressError.allFailed('t:443', [auth, direct], true);
    expect(combined.attempts).toEqual([auth, direct]);
    expect(combined.stage).toBe('timeout');
    expect(combined.proxy).toBeNull();
    expect(combined.message).toBe(
      `egress to t:443: all 2 egress routes failed: 1) [proxy_auth] ${auth.message}; 2) [timeout] ${direct.message}`,
    );
  });

  it('returns a lone direct failure as is', () => {
    const direct = new EgressError({ stage: 'connect', proxy: null, target: 't:443', detail: 'd', hint: 'h' });
    expect(EgressError.allFailed('t:443', [direct], true)).toBe(direct);
  });
});
