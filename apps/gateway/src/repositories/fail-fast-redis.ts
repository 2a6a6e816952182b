import Redis from 'ioredis';

/**
 * A Redis connection for the caches: no offline queue and no per-command retries, so a command fails at once
 * when Redis is down and the call goes to the provider instead of waiting; reconnects keep running behind it.
 */
export function failFastRedis(url: string, onError: (err: Error) => void): Redis {
  const redis = new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: 2000,
    retryStrategy: (times) => Math.min(times * 200, 5000),
  });
  redis.on('error', onError);
  return redis;
}

/** QUIT when connected (pending replies arrive first), else just drop the socket. */
export async function closeRedis(redis: Redis): Promise<void> {
  if (redis.status === 'ready') await redis.quit().catch(() => redis.disconnect());
  else redis.disconnect();
}
