import Redis from 'ioredis';

/** A Redis client for a test that writes under `prefix`, and a cleanup that deletes only those keys. */
export function redisUnderPrefix(prefix: string, url = 'redis://127.0.0.1:6379') {
  const redis = new Redis(url);
  return {
    redis,
    async cleanup(): Promise<void> {
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length > 0) await redis.del(...keys);
      await redis.quit();
    },
  };
}
