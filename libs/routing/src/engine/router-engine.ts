import type { AppLogger, RouteDecision, RouterConfig, RouterPort, RoutingInput } from '@lessllm/shared';
import { createClassifier, type ClassifierHandle } from './classifier-factory';
import { tierIndexFor, tierTable, type TierTable } from './tier-table';

/**
 * The routing decision itself, used in-process by the gateway (embedded mode) and by the router service behind
 * NATS: classify, then map the probability that a strong model is needed onto the configured tiers.
 */
export class RouterEngine implements RouterPort {
  private readonly table: TierTable;
  private readonly handle: ClassifierHandle;

  constructor(config: RouterConfig, logger: AppLogger) {
    this.table = tierTable(config);
    this.handle = createClassifier(config, logger);
  }

  async decide(input: RoutingInput): Promise<RouteDecision> {
    const classifier = this.handle.classifier;
    if (!classifier)
      return this.pick(0, 'cascade', null, 'cascade: the cheapest tier first, escalated on a failed check');
    const verdict = await classifier.classify(input);
    const p = verdict.strongProbability;
    return this.pick(tierIndexFor(this.table, p), verdict.classifier, p, verdict.reason);
  }

  private pick(index: number, classifier: string, probability: number | null, reason: string): RouteDecision {
    return { tier: this.table.names[index], model: this.table.models[index], classifier, probability, reason };
  }

  close(): Promise<void> {
    this.handle.close();
    return Promise.resolve();
  }
}
