// An OpenFeature server provider over DealerScope's admin API, so other Node services read our
// flags through the standard OpenFeature client. It polls GET /admin/feature-flags (the server
// offers no flag event stream to token holders), serves every evaluation from the last answer,
// and emits PROVIDER_CONFIGURATION_CHANGED with the names of the flags that changed.
// A percentage rollout is evaluated here with the server's own bucket function (imported from
// the server's source, so the two cannot drift): given the same API key or client IP a caller
// lands in the same cohort as the DealerScope request it makes.
import {
  ErrorCode,
  OpenFeatureEventEmitter,
  ProviderEvents,
  StandardResolutionReasons,
  type EvaluationContext,
  type JsonValue,
  type Provider,
  type ResolutionDetails,
} from '@openfeature/server-sdk';
import { cohortOf, isPercentageRollout } from '../../../src/flags/percentage.js';

export interface DealerScopeProviderOptions {
  /** Base URL of a DealerScope service, e.g. http://dealerscope:8080. */
  url: string;
  /** Its ADMIN_TOKEN (the flag view is an admin route). */
  adminToken: string;
  /** How often to ask for changes (default 1000 ms; the server applies a change within 1 s). */
  pollMs?: number;
  /** Per-request timeout (default 5000 ms). */
  timeoutMs?: number;
  fetchImpl?: typeof fetch;
}

interface FlagView {
  flags: Record<string, unknown>;
  sources: Record<string, string>;
  phase: number | null;
  emergency: boolean;
}

export class DealerScopeProvider implements Provider {
  readonly metadata = { name: 'DealerScope' } as const;
  readonly runsOn = 'server' as const;
  readonly events = new OpenFeatureEventEmitter();
  private view: FlagView | null = null;
  private timer: NodeJS.Timeout | null = null;
  private failing = false;
  private readonly pollMs: number;
  private readonly timeoutMs: number;
  private readonly fetchImpl: typeof fetch;
  private readonly base: string;

  constructor(private readonly opts: DealerScopeProviderOptions) {
    if (!opts.url) throw new Error('DealerScopeProvider needs the service URL');
    if (!opts.adminToken) throw new Error('DealerScopeProvider needs the admin token');
    this.base = opts.url.replace(/\/+$/, '');
    this.pollMs = opts.pollMs ?? 1000;
    this.timeoutMs = opts.timeoutMs ?? 5000;
    this.fetchImpl = opts.fetchImpl ?? fetch;
  }

  /** Resolves once the first flag view has been read; rejects (provider ERROR) when it cannot be. */
  async initialize(): Promise<void> {
    this.view = await this.read();
    this.schedule();
  }

  async onClose(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** The last flag view read from the service (for diagnostics). */
  snapshot(): FlagView | null {
    return this.view;
  }

  /** Reads the flags now; emits a change event when any value differs. */
  async refresh(): Promise<string[]> {
    let next: FlagView;
    try {
      next = await this.read();
    } catch (err) {
      if (!this.failing) {
        this.failing = true;
        // Stale, not fatal: evaluations keep the last values read until the service answers again.
        this.events.emit(ProviderEvents.Stale, {
          message: `DealerScope flags unreachable: ${err instanceof Error ? err.message : String(err)}`,
        });
      }
      return [];
    }
    const before = this.view?.flags ?? {};
    const changed = [...new Set([...Object.keys(before), ...Object.keys(next.flags)])]
      .filter((k) => JSON.stringify(before[k]) !== JSON.stringify(next.flags[k]))
      .sort();
    this.view = next;
    if (this.failing) {
      this.failing = false;
      this.events.emit(ProviderEvents.Ready, { message: 'DealerScope flags reachable again' });
    }
    if (changed.length)
      this.events.emit(ProviderEvents.ConfigurationChanged, {
        flagsChanged: changed,
        metadata: { phase: next.phase ?? -1, emergency: next.emergency },
      });
    return changed;
  }

  async resolveBooleanEvaluation(flagKey: string, defaultValue: boolean, context: EvaluationContext): Promise<ResolutionDetails<boolean>> {
    const found = this.lookup(flagKey, defaultValue);
    if ('errorCode' in found) return found;
    const value = found.value;
    if (typeof value === 'boolean')
      return { value, reason: StandardResolutionReasons.STATIC, variant: value ? 'on' : 'off', flagMetadata: this.meta(flagKey) };
    if (isPercentageRollout(value)) {
      const apiKey = stringAttr(context.apiKey) ?? stringAttr(context.targetingKey);
      const ip = stringAttr(context.ip);
      if (value.stickiness === 'ip' ? !ip : !apiKey && !ip) {
        return {
          value: defaultValue,
          reason: StandardResolutionReasons.ERROR,
          errorCode: ErrorCode.TARGETING_KEY_MISSING,
          errorMessage: `${flagKey} is a ${value.percentage} % rollout by ${value.stickiness ?? 'API key, else IP'}: pass "apiKey" (or targetingKey) or "ip" in the context`,
        };
      }
      const cohort = cohortOf(flagKey, value, { apiKey: apiKey ?? null, ip: ip ?? '' });
      return {
        value: cohort === 'treatment',
        reason: StandardResolutionReasons.SPLIT,
        variant: cohort,
        flagMetadata: { ...this.meta(flagKey), percentage: value.percentage },
      };
    }
    return mismatch(flagKey, 'boolean', defaultValue);
  }

  async resolveNumberEvaluation(flagKey: string, defaultValue: number): Promise<ResolutionDetails<number>> {
    const found = this.lookup(flagKey, defaultValue);
    if ('errorCode' in found) return found;
    return typeof found.value === 'number'
      ? { value: found.value, reason: StandardResolutionReasons.STATIC, flagMetadata: this.meta(flagKey) }
      : mismatch(flagKey, 'number', defaultValue);
  }

  async resolveStringEvaluation(flagKey: string, defaultValue: string): Promise<ResolutionDetails<string>> {
    const found = this.lookup(flagKey, defaultValue);
    if ('errorCode' in found) return found;
    return typeof found.value === 'string'
      ? { value: found.value, reason: StandardResolutionReasons.STATIC, flagMetadata: this.meta(flagKey) }
      : mismatch(flagKey, 'string', defaultValue);
  }

  /** The raw value: a percentage rollout comes back as its {"percentage", "stickiness"} object. */
  async resolveObjectEvaluation<T extends JsonValue>(flagKey: string, defaultValue: T): Promise<ResolutionDetails<T>> {
    const found = this.lookup(flagKey, defaultValue);
    if ('errorCode' in found) return found;
    return { value: found.value as T, reason: StandardResolutionReasons.STATIC, flagMetadata: this.meta(flagKey) };
  }

  private lookup<T>(flagKey: string, defaultValue: T): { value: unknown } | ResolutionDetails<T> {
    if (!this.view) return { value: defaultValue, reason: StandardResolutionReasons.ERROR, errorCode: ErrorCode.PROVIDER_NOT_READY };
    if (!Object.prototype.hasOwnProperty.call(this.view.flags, flagKey)) {
      return {
        value: defaultValue,
        reason: StandardResolutionReasons.ERROR,
        errorCode: ErrorCode.FLAG_NOT_FOUND,
        errorMessage: `DealerScope has no flag ${flagKey}`,
      };
    }
    return { value: this.view.flags[flagKey] };
  }

  private meta(flagKey: string): Record<string, string | number | boolean> {
    return { source: this.view?.sources[flagKey] ?? 'unknown', emergency: this.view?.emergency ?? false };
  }

  private schedule(): void {
    this.timer = setTimeout(() => {
      void this.refresh().finally(() => {
        if (this.timer) this.schedule();
      });
    }, this.pollMs);
    this.timer.unref();
  }

  private async read(): Promise<FlagView> {
    const res = await this.fetchImpl(`${this.base}/admin/feature-flags`, {
      headers: { authorization: `Bearer ${this.opts.adminToken}`, accept: 'application/json' },
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    if (!res.ok) throw new Error(`GET /admin/feature-flags answered ${res.status}`);
    const body = (await res.json()) as FlagView;
    if (!body || typeof body.flags !== 'object') throw new Error('GET /admin/feature-flags: unexpected body');
    return body;
  }
}

function stringAttr(v: unknown): string | undefined {
  return typeof v === 'string' && v.length > 0 ? v : undefined;
}

function mismatch<T>(flagKey: string, wanted: string, defaultValue: T): ResolutionDetails<T> {
  return {
    value: defaultValue,
    reason: StandardResolutionReasons.ERROR,
    errorCode: ErrorCode.TYPE_MISMATCH,
    errorMessage: `${flagKey} is not a ${wanted} flag`,
  };
}
