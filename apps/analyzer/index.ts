/**
 * The analyzer app's public entry: the analyzer service, and the pieces the all-in-one server composes in-process
 * (analytics API, enrichment, embedded ingestion).
 */
export { AnalyticsModule } from './src/analytics/analytics.module';
export type { CallEnricher } from './src/ingest/call-enricher';
export { createDefaultEnricher } from './src/ingest/default-enricher';
export { EmbeddedIngestor, type EmbeddedIngestorOptions } from './src/ingest/embedded-ingestor';
export { IngestService } from './src/ingest/ingest.service';
export { startAnalyzer, type RunningAnalyzer, type StartAnalyzerOptions } from './src/start-analyzer';
