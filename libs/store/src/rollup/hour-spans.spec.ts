import { describe, expect, it } from 'vitest';
import { spanHours, spansOf, spansOfScope, timeFilter } from './hour-spans';

const H = 3600;
const t0 = Date.UTC(2024, 5, 1, 10) / 1000;

describe('hour spans', () => {
  it('merges consecutive hours, keeps gaps, drops repeats, sorts', () => {
    expect(spansOf([t0 + 5 * H, t0, t0 + H, t0, t0 + 3 * H])).toEqual([
      { from: t0, to: t0 + 2 * H },
      { from: t0 + 3 * H, to: t0 + 4 * H },
      { from: t0 + 5 * H, to: t0 + 6 * H },
    ]);
  });

  it('a range covers every hour it overlaps', () => {
    const spans = spansOfScope({ from: new Date((t0 + 90) * 1000), to: new Date((t0 + 2 * H + 1) * 1000) });
    expect(spans).toEqual([{ from: t0, to: t0 + 3 * H }]);
    expect(spanHours(spans)).toBe(3);
    expect(spansOfScope({ hours: [new Date((t0 + 59) * 1000), new Date(t0 * 1000)] })).toEqual([
      { from: t0, to: t0 + H },
    ]);
  });

  it('refuses empty ranges, bad dates and values that are not whole hours', () => {
    expect(() => spansOfScope({ from: new Date(t0 * 1000), to: new Date(t0 * 1000) })).toThrow(/empty/);
    expect(() => spansOfScope({ from: new Date('nope'), to: new Date() })).toThrow(/from is not a valid date/);
    expect(() => spansOf([t0 + 1])).toThrow(/not the start of an hour/);
    expect(() => timeFilter('hour', [{ from: t0, to: Number.NaN }])).toThrow(/not the start of an hour/);
    expect(() => timeFilter('hour', [])).toThrow(/no hours/);
  });

  it('renders only integers into the SQL', () => {
    expect(timeFilter('hour', [{ from: t0, to: t0 + H }])).toBe(
      `(hour >= toDateTime(${t0}, 'UTC') AND hour < toDateTime(${t0 + H}, 'UTC'))`,
    );
  });
});
