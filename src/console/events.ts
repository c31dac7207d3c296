// The console's Server-Sent Events stream: every alert as it is published, and the SLO tiles
// re-read every few seconds. Streams are ended before the server closes so shutdown never waits
// on a console left open, and when their session is signed out, so alerts stop with the session.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Observability } from '../observability/index.js';

interface PhaseState {
  phase: number | null;
  emergency: boolean;
}

/**
 * Where the stream hears about phase changes in force on this replica (the flag control plane):
 * changes made here, and those announced by another replica over Redis or found by the poll.
 */
export interface PhaseSource {
  view(): PhaseState;
  on(event: 'applied', fn: (e: { after: PhaseState }) => void): unknown;
  off(event: 'applied', fn: (e: { after: PhaseState }) => void): unknown;
}

export interface EventStreamOptions {
  tilesEveryMs?: number;
  heartbeatMs?: number;
  /** Calls onEnd when the request's session ends; returns the unsubscribe. */
  watchSession?: (request: FastifyRequest, onEnd: () => void) => () => void;
  /** Sends a 'phase' event whenever the phase in force here changes, whoever changed it. */
  phases?: PhaseSource;
}

export function eventStreams(app: FastifyInstance, obs: Observability, opts: EventStreamOptions = {}) {
  const open = new Set<() => void>();
  app.addHook('preClose', async () => {
    for (const end of [...open]) end();
  });

  return async function stream(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    reply.hijack();
    const res = reply.raw;
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(reply.getHeaders())) if (v !== undefined) headers[k] = String(v);
    res.writeHead(200, {
      ...headers,
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
      // Proxies (nginx) must not buffer a live stream.
      'X-Accel-Buffering': 'no',
    });
    const send = (event: string, data: unknown) => {
      res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    };
    res.write('retry: 3000\n\n');
    obs.service.sseClients.inc();

    const unsubscribeAlerts = obs.alerts.subscribe((a) => send('alert', a));
    // The phase in force when the stream opens comes first, so a change made between the page's
    // render and this (re)connect is not missed; after that only real changes are sent, not every
    // flag change the control plane applies.
    let shown: PhaseState | null = null;
    const sendPhase = (p: PhaseState) => {
      if (shown && shown.phase === p.phase && shown.emergency === p.emergency) return;
      shown = { phase: p.phase, emergency: p.emergency };
      send('phase', shown);
    };
    const onPhase = (e: { after: PhaseState }) => sendPhase(e.after);
    if (opts.phases) sendPhase(opts.phases.view());
    opts.phases?.on('applied', onPhase);
    const unsubscribe = () => {
      unsubscribeAlerts();
      opts.phases?.off('applied', onPhase);
    };
    // Display refresh only (no decision depends on it), so real timers are right here.
    const pushTiles = () => {
      obs.tiles().then(
        (t) => send('tiles', t),
        (err) => request.log.warn({ err }, 'console tiles failed'),
      );
    };
    const tiles = setInterval(pushTiles, opts.tilesEveryMs ?? 5000);
    const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), opts.heartbeatMs ?? 15_000);
    tiles.unref();
    heartbeat.unref();
    pushTiles();

    let ended = false;
    let unwatch = () => {};
    const end = () => {
      if (ended) return;
      ended = true;
      clearInterval(tiles);
      clearInterval(heartbeat);
      unsubscribe();
      unwatch();
      obs.service.sseClients.dec();
      open.delete(end);
      if (!res.writableEnded) res.end();
    };
    open.add(end);
    unwatch = opts.watchSession?.(request, end) ?? unwatch;
    request.raw.on('close', end);
    res.on('error', end);
  };
}
