// Distinct client addresses for requests that reach the replicas through a trusted loopback
// proxy (TRUST_PROXY=loopback): the test plays the load balancer and names the client in
// X-Forwarded-For, so the per-IP limit can be exercised for several clients from one process.

/** 198.18.0.0/15 is reserved for benchmarking; it never belongs to a real client. */
export function clientIp(n: number): string {
  if (!Number.isInteger(n) || n < 0 || n >= 2 ** 17) throw new Error(`client number ${n} out of range`);
  return `198.${18 + (n >> 16)}.${(n >> 8) & 255}.${n & 255}`;
}

/** A fresh address per call, for probes that must never count against one client's limit. */
export function freshClients(start = 1): () => string {
  let n = start;
  return () => clientIp(n++);
}
