// Where a message may go: http(s) webhooks that are not private or loopback addresses (unless the
// operator allows them), and e-mail addresses. Checked when a message is enqueued (so the caller
// hears about a bad destination at once) and again on the resolved address at connect time.
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { isInternalAddress } from '../common/net-guard.js';
import type { DestinationKind } from './tables.js';

export type Destination = { kind: 'webhook'; url: string } | { kind: 'email'; address: string };

export class InvalidDestinationError extends Error {
  override name = 'InvalidDestinationError';
}

const EMAIL = /^[^\s@<>()",;]+@[^\s@<>()",;]+\.[^\s@<>()",;]+$|^[^\s@<>()",;]+@localhost$/i;
const bareHost = (hostname: string) => hostname.replace(/^\[|\]$/g, '').toLowerCase();

/** Synchronous checks: scheme, syntax, and a host that is literally private or loopback. */
export function checkDestination(d: Destination, allowPrivate: boolean): void {
  if (d.kind === 'email') {
    if (!EMAIL.test(d.address)) throw new InvalidDestinationError(`"${d.address.slice(0, 80)}" is not an e-mail address`);
    return;
  }
  let url: URL;
  try {
    url = new URL(d.url);
  } catch {
    throw new InvalidDestinationError('webhook URL is not a URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new InvalidDestinationError(`webhook URL must be http(s), got ${url.protocol}`);
  if (allowPrivate) return;
  const host = bareHost(url.hostname);
  if (host === 'localhost' || host.endsWith('.localhost') || (isIP(host) && isInternalAddress(host))) {
    throw new InvalidDestinationError(
      `webhook host ${host} is a private or loopback address (set ALERT_WEBHOOK_ALLOW_PRIVATE=true to allow)`,
    );
  }
}

/** The full check a form or API should run before saving a webhook: also resolves the name. */
export async function checkDestinationResolved(d: Destination, allowPrivate: boolean): Promise<void> {
  checkDestination(d, allowPrivate);
  if (d.kind !== 'webhook' || allowPrivate) return;
  const host = bareHost(new URL(d.url).hostname);
  if (isIP(host)) return;
  const addresses = await lookup(host, { all: true }).catch((err: Error) => {
    throw new InvalidDestinationError(`webhook host ${host} does not resolve: ${err.message}`);
  });
  const bad = addresses.find((a) => isInternalAddress(a.address));
  if (bad)
    throw new InvalidDestinationError(
      `webhook host ${host} resolves to private address ${bad.address} (set ALERT_WEBHOOK_ALLOW_PRIVATE=true to allow)`,
    );
}

export function destinationOf(kind: DestinationKind, target: string): Destination {
  return kind === 'webhook' ? { kind, url: target } : { kind, address: target };
}

export function targetOf(d: Destination): string {
  return d.kind === 'webhook' ? d.url : d.address;
}

/**
 * What a timeline may show of a destination. Webhook URLs carry their secret in the path (Slack,
 * Teams), so only scheme, host and port are shown.
 */
export function redactTarget(kind: DestinationKind, target: string): string {
  if (kind === 'email') return target;
  try {
    return `${new URL(target).origin}/…`;
  } catch {
    return 'invalid URL';
  }
}

/** One circuit breaker per endpoint: a webhook host, or the SMTP relay all e-mail goes through. */
export function breakerName(kind: DestinationKind, target: string, smtpUrl: string | null): string {
  if (kind === 'webhook') {
    try {
      return `webhook:${new URL(target).host}`;
    } catch {
      return 'webhook:invalid';
    }
  }
  try {
    return `smtp:${smtpUrl ? new URL(smtpUrl).host : 'unconfigured'}`;
  } catch {
    return 'smtp:invalid';
  }
}
