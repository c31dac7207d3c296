// What a draining service does with requests already on their way when it is told to stop: the
// load balancer has let the replica go, but a client may have written a request a moment before.
// Raw sockets, so the test decides exactly when each byte reaches the service.
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestService, type TestService } from './support/service.js';
import { waitFor } from './support/wait-for.js';

interface RawAnswer {
  status: number;
  headers: Record<string, string>;
}

/** Collects everything the service sends on a socket until it closes it. */
function collect(socket: Socket): Promise<{ text: string; error?: string }> {
  let text = '';
  socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
  return new Promise((resolve) => {
    socket.once('error', (err: NodeJS.ErrnoException) => resolve({ text, error: err.code ?? err.message }));
    socket.once('close', () => resolve({ text }));
  });
}

/** The answers in a stream of HTTP/1.1 responses (status line and headers of each). */
function answers(text: string): RawAnswer[] {
  return text
    .split(/(?=HTTP\/1\.1 \d{3} )/)
    .filter((part) => part.startsWith('HTTP/1.1 '))
    .map((part) => {
      const [head] = part.split('\r\n\r\n');
      const [statusLine, ...lines] = head.split('\r\n');
      const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
      return { status: Number(statusLine.split(' ')[1]), headers };
    });
}

const request = (path: string) => `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n`;

async function open(base: string): Promise<Socket> {
  const { hostname, port } = new URL(base);
  const socket = connect(Number(port), hostname);
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  return socket;
}

describe('a draining service', () => {
  let service: TestService | undefined;
  afterEach(async () => {
    await service?.close();
    service = undefined;
  });

  it('serves a request written to an idle keep-alive connection just as it is told to stop', async () => {
    service = await startTestService({ token: 'drain-test-token-0123456789', name: 'drain-idle', sample: false });
    const socket = await open(service.base);
    const received = collect(socket);
    socket.write(request('/healthz'));
    // The first answer makes the connection an idle keep-alive one, as a load balancer's is.
    let seen = '';
    socket.on('data', (chunk: Buffer) => (seen += chunk.toString('latin1')));
    await waitFor('the first answer', () => seen.includes('\r\n\r\n'));

    const closed = service.svc.close();
    socket.write(request('/api/opportunities?limit=5'));
    await closed;
    const { text, error } = await received;

    const [first, second] = answers(text);
    expect(error).toBeUndefined();
    expect(first?.status).toBe(200);
    expect(second?.status).toBe(200);
  });

  it('answers a request whose headers finish after shutdown began, instead of refusing it with a 503', async () => {
    service = await startTestService({ token: 'drain-test-token-0123456789', name: 'drain-busy', sample: false });
    const socket = await open(service.base);
    const received = collect(socket);
    // Half a request: the connection is busy, so shutdown leaves it open for the rest.
    socket.write('GET /api/opportunities?limit=5 HTTP/1.1\r\nHost: 127.0.0.1\r\n');
    // A few turns of the event loop for the service to read it (ordering, not a timing check).
    await new Promise((resolve) => setTimeout(resolve, 50));

    const closed = service.svc.close();
    await waitFor('the listener to close', () => !service!.svc.app.server.listening);
    socket.write('Connection: keep-alive\r\n\r\n');
    await closed;
    const { text, error } = await received;

    const [answer] = answers(text);
    expect(error).toBeUndefined();
    expect(answer?.status).toBe(200);
    // Served, and the connection closed behind it, so the drain ends.
    expect(answer?.headers.connection).toBe('close');
  });
});
