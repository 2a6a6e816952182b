import { PRICE_TABLE_VERSION } from '@lessllm/shared';
import { compareWithGenaiPrices, type Difference } from './compare';
import { REVIEWED, reviewFor } from './reviewed';

/**
 * `npm run prices:check`: our price table (libs/shared/src/pricing) against @pydantic/genai-prices' bundled data
 * (a maintained, imperfect source: update the package to refresh it). Lists every difference; exits 1 while some
 * are unreviewed or a review is stale, 0 otherwise. Rates are USD per 1M tokens (DeepSeek also at 02:00 UTC, its peak).
 */
function line(d: Difference): string {
  return `  ${`${d.family}/${d.id}`.padEnd(44)} ${d.at.padEnd(8)} ${d.field.padEnd(14)} ours ${String(d.ours).padEnd(10)} theirs ${String(d.theirs)}`;
}

const { compared, missing, differences } = compareWithGenaiPrices();
const unreviewed = differences.filter((d) => !reviewFor(d));
const reviewed = differences.filter((d) => reviewFor(d));
const stale = REVIEWED.filter((r) => !differences.some((d) => reviewFor(d) === r));

const out: string[] = [
  `price table ${PRICE_TABLE_VERSION} vs @pydantic/genai-prices: ${compared} ids compared, ${missing.length} not in theirs`,
  `unreviewed differences: ${unreviewed.length}`,
  ...unreviewed.map(line),
  `reviewed differences (kept): ${reviewed.length}`,
  ...REVIEWED.filter((r) => !stale.includes(r)).flatMap((r) => [
    `  ${r.id}${r.at ? ` ${r.at}` : ''}: ${r.reason} (checked ${r.checked})`,
    ...reviewed.filter((d) => reviewFor(d) === r).map((d) => `  ${line(d)}`),
  ]),
  `not in genai-prices: ${missing.join(', ') || 'none'}`,
];
if (stale.length > 0) out.push(`stale reviews (no such difference any more): ${stale.map((r) => r.id).join(', ')}`);
process.stdout.write(`${out.join('\n')}\n`);
process.exit(unreviewed.length > 0 || stale.length > 0 ? 1 : 0);
