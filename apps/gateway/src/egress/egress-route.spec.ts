import { proxySchema } from '@lessllm/shared';
import { describe, expect, it } from 'vitest';
import { matchesNoProxy, resolveEgressRoute } from './egress-route';

const proxy = (input: Record<string, unknown>) => proxySchema.parse(input);
const https = new URL('https://api.openai.com/v1/chat/completions');
const http = new URL('http://localhost:11434/v1');

describe('resolveEgressRoute', () => {
  it('is direct for false, undefined and a block without proxies', () => {
    expect(resolveEgressRoute(false, https)).toEqual({ proxies: [], allowDirect: true });
    expect(resolveEgressRoute(undefined, https)).toEqual({ proxies: [], allowDirect: true });
    expect(resolveEgressRoute(proxy({ no_proxy: ['x'] }), https)).toEqual({ proxies: [], allowDirect: true });
  });

  it('prefers https_proxy for https targets and http_proxy for http ones, SOCKS after', () => {
    const config = proxy({ http_proxy: 'http://h:1', https_proxy: 'http://s:2', socks_proxy: 'socks5h://k:3' });
    expect(resolveEgressRoute(config, https)).toEqual({ proxies: ['http://s:2', 'socks5h://k:3'], allowDirect: false });
    expect(resolveEgressRoute(config, http)).toEqual({ proxies: ['http://h:1', 'socks5h://k:3'], allowDirect: false });
  });

  it('falls back to the other HTTP proxy and dedupes', () => {
    expect(resolveEgressRoute(proxy({ http_proxy: 'http://h:1' }), https).proxies).toEqual(['http://h:1']);
    expect(resolveEgressRoute(proxy({ https_proxy: 'http://s:2' }), http).proxies).toEqual(['http://s:2']);
    expect(
      resolveEgressRoute(proxy({ https_proxy: 'socks5://k:3', socks_proxy: 'socks5://k:3' }), https).proxies,
    ).toEqual(['socks5://k:3']);
  });

  it('uses an explicit proxies list as given, with allow_direct', () => {
    const config = proxy({
      http_proxy: 'http://ignored:1',
      proxies: ['socks5://a:1', 'http://b:2', 'socks5://a:1'],
      allow_direct: true,
    });
    expect(resolveEgressRoute(config, https)).toEqual({ proxies: ['socks5://a:1', 'http://b:2'], allowDirect: true });
  });

  it('goes direct for no_proxy hosts', () => {
    const config = proxy({ http_proxy: 'http://h:1', no_proxy: ['.internal.example', 'localhost:11434'] });
    expect(resolveEgressRoute(config, http)).toEqual({ proxies: [], allowDirect: true });
    expect(resolveEgressRoute(config, new URL('https://llm.internal.example/v1')).proxies).toEqual([]);
    expect(resolveEgressRoute(config, https).proxies).toEqual(['http://h:1']);
  });
});

describe('matchesNoProxy', () => {
  it.each([
    ['*', 'anything.com', 443, true],
    ['api.openai.com', 'api.openai.com', 443, true],
    ['API.OpenAI.com.', 'api.openai.com', 443, true],
    ['openai.com', 'api.openai.com', 443, false],
    ['.openai.com', 'api.openai.com', 443, true],
    ['.openai.com', 'openai.com', 443, true],
    ['*.openai.com', 'a.b.openai.com', 443, true],
    ['*.openai.com', 'notopenai.com', 443, false],
    ['api.openai.com:443', 'api.openai.com', 443, true],
    ['api.openai.com:8443', 'api.openai.com', 443, false],
    ['10.1.2.3', '10.1.2.3', 80, true],
    ['10.0.0.0/8', '10.1.2.3', 80, true],
    ['10.0.0.0/8', '11.1.2.3', 80, false],
    ['::1', '::1', 80, true],
    ['[::1]:8080', '::1', 8080, true],
    ['[::1]:8080', '::1', 80, false],
    ['', 'x', 80, false],
  ])('%s vs %s:%i -> %s', (entry, host, port, expected) => {
    expect(matchesNoProxy(entry, host, port)).toBe(expected);
  });

  it('matches bracketed IPv6 URL hosts', () => {
    const config = proxy({ http_proxy: 'http://h:1', no_proxy: ['::1'] });
    expect(resolveEgressRoute(config, new URL('http://[::1]:8080/')).proxies).toEqual([]);
  });
});
