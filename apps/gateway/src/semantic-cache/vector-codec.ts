import { l2Normalize } from './embedder';

/** int8 quantisation with a per-vector float32 scale: 4 + dims bytes (516 B for 512 dims vs 2048 B float32). */
export function encodeVector(v: Float32Array): Buffer {
  let max = 0;
  for (let i = 0; i < v.length; i++) max = Math.max(max, Math.abs(v[i]));
  const buf = Buffer.alloc(4 + v.length);
  const scale = max === 0 ? 1 : max / 127;
  buf.writeFloatLE(scale, 0);
  for (let i = 0; i < v.length; i++) buf.writeInt8(Math.max(-127, Math.min(127, Math.round(v[i] / scale))), 4 + i);
  return buf;
}

/** Inverse of encodeVector, re-normalised to unit length. */
export function decodeVector(buf: Buffer): Float32Array {
  const scale = buf.readFloatLE(0);
  const v = new Float32Array(buf.length - 4);
  for (let i = 0; i < v.length; i++) v[i] = buf.readInt8(4 + i) * scale;
  return l2Normalize(v);
}
