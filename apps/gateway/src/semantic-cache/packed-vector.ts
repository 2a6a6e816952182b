/**
 * int8 vectors for cosine ranking, without a scale (cosine does not need one):
 *   dense:  [0] [int8 x dims]                                   1 + dims bytes
 *   sparse: [1] [u16 LE nnz] [u16 LE index x nnz] [int8 x nnz]  3 + 3 * nnz bytes
 * The smaller one is written; lexical vectors (~60 non-zero of 512) take ~190 bytes instead of 513.
 * Each coordinate is rounded to max|v| / 127 steps (cosine error ~1e-3).
 */
export function packVector(v: Float32Array): Buffer {
  let max = 0;
  let nnz = 0;
  for (let i = 0; i < v.length; i++) {
    const a = Math.abs(v[i]);
    if (a > max) max = a;
  }
  const scale = max === 0 ? 0 : 127 / max;
  const q = new Int8Array(v.length);
  for (let i = 0; i < v.length; i++) {
    q[i] = Math.round(v[i] * scale);
    if (q[i] !== 0) nnz++;
  }
  if (v.length > 0xffff || 3 + 3 * nnz >= 1 + v.length) {
    const buf = Buffer.allocUnsafe(1 + v.length);
    buf[0] = 0;
    for (let i = 0; i < v.length; i++) buf[1 + i] = q[i] & 0xff;
    return buf;
  }
  const buf = Buffer.allocUnsafe(3 + 3 * nnz);
  buf[0] = 1;
  buf.writeUInt16LE(nnz, 1);
  let j = 0;
  for (let i = 0; i < v.length; i++) {
    if (q[i] === 0) continue;
    buf.writeUInt16LE(i, 3 + 2 * j);
    buf[3 + 2 * nnz + j] = q[i] & 0xff;
    j++;
  }
  return buf;
}

/**
 * Cosine between a query (any length, `queryNorm` = its L2 norm) and the vector packed at `buf[offset..]`;
 * 0 when either is zero. Throws on a dense vector of another dimension.
 */
export function packedCosine(query: Float32Array, queryNorm: number, buf: Buffer, offset: number): number {
  let dot = 0;
  let nn = 0;
  if (buf[offset] === 0) {
    const n = buf.length - offset - 1;
    if (n !== query.length) throw new Error(`dimension mismatch: ${n} vs ${query.length}`);
    const base = offset + 1;
    for (let i = 0; i < n; i++) {
      const x = (buf[base + i] << 24) >> 24;
      dot += query[i] * x;
      nn += x * x;
    }
  } else {
    const nnz = buf[offset + 1] | (buf[offset + 2] << 8);
    const idx = offset + 3;
    const val = idx + 2 * nnz;
    for (let j = 0; j < nnz; j++) {
      const x = (buf[val + j] << 24) >> 24;
      dot += query[buf[idx + 2 * j] | (buf[idx + 2 * j + 1] << 8)] * x;
      nn += x * x;
    }
  }
  return nn === 0 || queryNorm === 0 ? 0 : dot / (queryNorm * Math.sqrt(nn));
}
