// Readiness is the sum of per-component checks that capabilities register; a component that
// is merely degraded (say, the cache falling back to memory) keeps the replica in rotation.
export type ComponentStatus = 'ok' | 'degraded' | 'down';
export interface ComponentReport {
  status: ComponentStatus;
  detail?: unknown;
}
type Check = () => Promise<ComponentReport> | ComponentReport;

export class Readiness {
  private readonly checks = new Map<string, Check>();
  private draining = false;

  register(name: string, check: Check): void {
    this.checks.set(name, check);
  }

  /** Set on SIGTERM so load balancers stop sending traffic while in-flight work finishes. */
  markDraining(): void {
    this.draining = true;
  }

  async report(timeoutMs = 2000): Promise<{ ready: boolean; components: Record<string, ComponentReport> }> {
    const components: Record<string, ComponentReport> = {};
    await Promise.all(
      [...this.checks].map(async ([name, check]) => {
        let timer: NodeJS.Timeout | undefined;
        try {
          components[name] = await Promise.race([
            Promise.resolve(check()),
            new Promise<ComponentReport>((resolve) => {
              timer = setTimeout(() => resolve({ status: 'down', detail: `no answer within ${timeoutMs} ms` }), timeoutMs);
            }),
          ]);
        } catch (err) {
          components[name] = { status: 'down', detail: err instanceof Error ? err.message : String(err) };
        } finally {
          clearTimeout(timer);
        }
      }),
    );
    if (this.draining) components.shutdown = { status: 'down', detail: 'draining' };
    const ready = Object.values(components).every((c) => c.status !== 'down');
    return { ready, components };
  }
}
