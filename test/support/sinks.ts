// Local receivers for outgoing alerts: an HTTP webhook endpoint whose answer can be set per path
// (status code or a hang), and an SMTP server (smtp-server) that keeps every message. Both on
// 127.0.0.1, port 0.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface Received {
  path: string;
  body: Record<string, unknown>;
  at: number;
}

export interface WebhookSink {
  url: string;
  received: Received[];
  /** Every request, answered or not. */
  requests: number;
  /** When each hanging request was closed by its client (`now()`), in order: lets a test order events without a stopwatch. */
  hangsEnded: number[];
  /** How a path answers: an HTTP status, or 'hang' (never answers). Default 200. */
  behave(path: string, answer: number | 'hang'): void;
  close(): Promise<void>;
}

export async function startWebhookSink(now: () => number = Date.now): Promise<WebhookSink> {
  const answers = new Map<string, number | 'hang'>();
  const hanging = new Set<ServerResponse>();
  const sink: Omit<WebhookSink, 'url' | 'close'> & { requests: number } = {
    received: [],
    requests: 0,
    hangsEnded: [],
    behave: (path, answer) => {
      answers.set(path, answer);
    },
  };
  const server: Server = createServer((req: IncomingMessage, res) => {
    let data = '';
    req.on('data', (c) => {
      data += c;
    });
    req.on('end', () => {
      sink.requests++;
      const path = req.url ?? '/';
      const answer = answers.get(path) ?? 200;
      if (answer === 'hang') {
        hanging.add(res);
        res.on('close', () => sink.hangsEnded.push(now()));
        return;
      }
      if (answer === 200) sink.received.push({ path, body: JSON.parse(data || '{}') as Record<string, unknown>, at: now() });
      res.writeHead(answer, { 'content-type': 'text/plain' }).end(answer === 200 ? 'ok' : 'no');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return Object.assign(sink, {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((r) => {
        for (const res of hanging) res.destroy();
        server.closeAllConnections();
        server.close(() => r());
      }),
  });
}

export interface Mail {
  from: string;
  to: string[];
  subject: string;
  text: string;
  at: number;
}

/** Soft line breaks removed, `=XX` bytes decoded as UTF-8. */
function decodeQuotedPrintable(s: string): string {
  const bytes: number[] = [];
  const text = s.replace(/=\r?\n/g, '');
  for (let i = 0; i < text.length; i++) {
    const m = /^=([0-9A-F]{2})/.exec(text.slice(i, i + 3));
    if (m) {
      bytes.push(parseInt(m[1], 16));
      i += 2;
    } else bytes.push(...Buffer.from(text[i], 'utf8'));
  }
  return Buffer.from(bytes).toString('utf8');
}

export interface SmtpSink {
  url: string;
  mails: Mail[];
  close(): Promise<void>;
}

export async function startSmtpSink(now: () => number = Date.now): Promise<SmtpSink> {
  const mails: Mail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      let raw = '';
      stream.on('data', (c: Buffer) => {
        raw += c.toString('utf8');
      });
      stream.on('end', () => {
        const [head, ...rest] = raw.split(/\r?\n\r?\n/);
        const subject = /^Subject: (.*)$/im.exec(head ?? '')?.[1]?.trim() ?? '';
        const qp = /Content-Transfer-Encoding: quoted-printable/i.test(head ?? '');
        const joined = rest.join('\n\n');
        const body = qp ? decodeQuotedPrintable(joined) : joined;
        mails.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          subject,
          text: body.trim(),
          at: now(),
        });
        callback();
      });
    },
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.server.address() as AddressInfo;
  return { url: `smtp://127.0.0.1:${port}`, mails, close: () => new Promise<void>((r) => server.close(() => r())) };
}
