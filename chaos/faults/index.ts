import type { FaultName } from '../settings';
import { analyzerKill } from './analyzer-kill';
import { embeddedKill } from './embedded-kill';
import type { Fault } from './fault';
import { gatewaySigterm } from './gateway-sigterm';
import { hugeAnswer } from './huge-answer';
import { hugeSseEvent } from './huge-sse-event';
import { natsKill } from './nats-kill';
import { oversizeBodies } from './oversize-bodies';
import { redisBlackhole } from './redis-blackhole';
import { slowReaders } from './slow-readers';

export const FAULTS: Record<FaultName, Fault> = {
  'analyzer-kill': analyzerKill,
  'nats-kill': natsKill,
  'redis-blackhole': redisBlackhole,
  'gateway-sigterm': gatewaySigterm,
  'embedded-kill': embeddedKill,
  'oversize-bodies': oversizeBodies,
  'slow-readers': slowReaders,
  'huge-sse-event': hugeSseEvent,
  'huge-answer': hugeAnswer,
};
