// The two ways a message leaves: an HTTP POST of Slack-compatible JSON (`{"text": …}` plus any
// extra fields) and an e-mail through the SMTP relay (nodemailer). A sender either resolves or
// throws a DeliveryError that says whether trying again can help.
import type { Agent, fetch } from 'undici';
import { guardedLookup } from '../common/net-guard.js';
import type { NotificationSettings } from './config.js';
import type { Destination } from './destinations.js';

export class DeliveryError extends Error {
  override name = 'DeliveryError';
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
  }
}

export interface OutgoingMessage {
  subject: string;
  text: string;
  fields?: Record<string, unknown> | null;
}

/** Sends one message to one destination; throws DeliveryError (or anything, counted as retryable). */
export type Sender = (to: Destination, msg: OutgoingMessage) => Promise<void>;

interface Mailer {
  sendMail(m: { from: string; to: string; subject: string; text: string }): Promise<unknown>;
  close(): void;
}

export interface Senders {
  send: Sender;
  close(): Promise<void>;
}

/** Permanent answers: the request itself is wrong (bad URL, revoked token), so retrying is noise. */
const permanentStatus = (s: number) => s >= 400 && s < 500 && s !== 408 && s !== 425 && s !== 429;

export function createSenders(settings: NotificationSettings, opts: { fetchImpl?: typeof fetch } = {}): Senders {
  // The connect-time check catches a public name that resolves to an internal address.
  // undici (~20 MB of RSS) is loaded by the first webhook, not by every process that could send one.
  let client: Promise<{ agent: Agent | null; doFetch: typeof fetch }> | null = null;
  const http = () =>
    (client ??= (async () => {
      const undici = await import('undici');
      // The connect-time check catches a public name that resolves to an internal address.
      const agent = settings.allowPrivate
        ? null
        : new undici.Agent({ connect: { lookup: guardedLookup({ allowHosts: [], allowPrivateHosts: [] }) as never } });
      return { agent, doFetch: opts.fetchImpl ?? undici.fetch };
    })());
  let mailer: Promise<Mailer> | null = null;

  const webhook = async (url: string, msg: OutgoingMessage) => {
    const { agent, doFetch } = await http();
    let res;
    try {
      res = await doFetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ ...(msg.fields ?? {}), text: msg.text }),
        signal: AbortSignal.timeout(settings.timeoutMs),
        ...(agent ? { dispatcher: agent } : {}),
      });
    } catch (err) {
      const cause = (err as Error & { cause?: Error }).cause;
      if (cause?.name === 'BlockedAddressError') throw new DeliveryError(cause.message, false);
      const e = err as Error;
      throw new DeliveryError(
        e.name === 'TimeoutError' ? `no answer within ${settings.timeoutMs} ms` : (cause?.message ?? e.message),
        true,
      );
    }
    await res.arrayBuffer().catch(() => undefined);
    if (res.ok) return;
    throw new DeliveryError(`webhook answered HTTP ${res.status}`, !permanentStatus(res.status));
  };

  const email = async (address: string, msg: OutgoingMessage) => {
    if (!settings.smtpUrl) throw new DeliveryError('SMTP_URL is not set: e-mail cannot be sent', true);
    mailer ??= (async () => {
      // Loaded only by processes that send mail.
      const nodemailer = (await import('nodemailer')).default;
      return nodemailer.createTransport({
        url: settings.smtpUrl!,
        connectionTimeout: settings.timeoutMs,
        greetingTimeout: settings.timeoutMs,
        socketTimeout: settings.timeoutMs,
      } as never) as unknown as Mailer;
    })();
    const transport = await mailer;
    try {
      await transport.sendMail({ from: settings.emailFrom, to: address, subject: msg.subject, text: msg.text });
    } catch (err) {
      const e = err as Error & { responseCode?: number };
      // 5xx SMTP replies are permanent (mailbox unknown, relaying denied); 4xx and network errors are not.
      const permanent = typeof e.responseCode === 'number' && e.responseCode >= 500;
      throw new DeliveryError(`SMTP: ${e.message}`, !permanent);
    }
  };

  return {
    send: (to, msg) => (to.kind === 'webhook' ? webhook(to.url, msg) : email(to.address, msg)),
    async close() {
      if (client) await (await client).agent?.close();
      if (mailer) (await mailer.catch(() => null))?.close();
    },
  };
}
