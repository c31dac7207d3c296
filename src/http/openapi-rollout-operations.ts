// The rollout's and the canary's operations (phases, gates, decisions, latches, progressive runs),
// for the operation table in openapi-operations.ts: every answer described field by field, so the
// script that drives a rollout reads the same shapes the console does.
import { closed, error, instant, mapOf, nullableInstant, operationsTagged, orNull, type OperationDoc } from './openapi-shapes.js';

const environment = { type: 'string', enum: ['development', 'staging', 'production'] };
const phase = { type: 'integer', minimum: 0, maximum: 4 };
/** Epoch milliseconds: the trigger engine's own clock readings, kept as numbers. */
const epochMs = (description: string) => ({ type: 'integer', description: `${description} (epoch milliseconds)` });
const nullableEpochMs = (description: string) => ({ type: ['integer', 'null'], description: `${description} (epoch milliseconds)` });
// What a deeper reading adds (route groups, replicas' shares, a host's load) depends on what was
// read, so it is named here and left open.
const readingDetail = {
  type: 'object',
  additionalProperties: true,
  description: 'what the reading was made of; its fields depend on the metric',
};

const attestation = closed("An operator's word that a criterion no metric can show is met", {
  criterion: { type: 'string' },
  actor: { type: 'string' },
  at: instant,
  evidence: { type: 'string', description: 'a link or a summary' },
});
const latch = closed('A trigger that fired and blocks every advance until re-armed', {
  trigger: { type: 'string', description: 'a trigger id, or `canary:FLAG` for a rolled-back canary' },
  decisionId: { type: 'integer', description: 'the rollback decision it latched with' },
  latchedAt: instant,
});
const gateReport = closed('Each criterion of the gate into the next phase, and whether the gate passes', {
  from: { type: 'integer' },
  to: { anyOf: [{ type: 'integer' }, { type: 'string', const: 'complete' }] },
  pass: { type: 'boolean' },
  evaluatedAt: instant,
  windowMs: { type: 'integer' },
  criteria: {
    type: 'array',
    items: closed(
      'One criterion: a measured value against its threshold, or an attestation',
      {
        id: { type: 'string' },
        label: { type: 'string' },
        kind: { type: 'string', enum: ['measured', 'attestation'] },
        pass: { type: 'boolean' },
        value: { type: ['number', 'null'], description: 'measured: the value (null: no data); attestation: null' },
        threshold: { type: ['string', 'null'], description: 'the comparison, e.g. "< 200"' },
        unit: { type: ['string', 'null'] },
        windowMs: { type: ['integer', 'null'] },
        samples: { type: ['integer', 'null'] },
        attestation: orNull(attestation),
        note: { type: 'string' },
      },
      ['attestation', 'note'],
    ),
  },
  latches: { type: 'array', items: latch },
});

const stickiness = { type: 'string', enum: ['apiKey', 'ip'] };
const percentageRollout = closed(
  'A percentage rollout of a boolean flag',
  { percentage: { type: 'integer', minimum: 0, maximum: 100 }, stickiness },
  ['stickiness'],
);
// Stored decisions keep the flags of the build that made them, so names are not tied to today's registry.
const flagValues = (description: string) =>
  mapOf(description, { anyOf: [{ type: ['boolean', 'integer', 'string'] }, percentageRollout] }, '^[A-Z][A-Z0-9_]*$');
const recording = closed('Whether decisions, latches and re-arms reach the database; held here while they cannot', {
  ok: { type: 'boolean' },
  unrecorded: { type: 'integer', minimum: 0, description: 'records waiting for the database' },
  since: { ...nullableInstant, description: 'since when the database has refused them' },
  error: { type: ['string', 'null'] },
});
const decision = closed('A rollout decision with its evidence', {
  id: { type: 'integer', description: 'negative: a provisional id, held by this replica until the database takes the decision' },
  at: instant,
  environment,
  kind: { type: 'string', enum: ['auto_rollback', 'rollback', 'advance', 'rearm', 'dry_run', 'platform_alert'] },
  triggers: { type: 'array', items: { type: 'string' } },
  fromPhase: { type: ['integer', 'null'] },
  toPhase: { type: ['integer', 'null'] },
  actor: { type: 'string', description: 'token id, or the controller that decided' },
  reason: { type: ['string', 'null'] },
  dryRun: { type: 'boolean' },
  // Each kind of decision stores what its decider saw, and rows written by earlier builds keep
  // their shape, so the evidence is described by kind rather than closed.
  evidence: {
    type: 'object',
    additionalProperties: true,
    description:
      'What the decision rested on. advance: `gate` (the gate report), `forced`, `pinsReleased`; rollback: `rolledBackPhase`, `features`, `pinned`, `unrecorded`; rearm: {} (a canary latch: `flag`); auto_rollback, dry_run and platform_alert of a trigger: `intervalMs`, `measuredBy`, `firings` (trigger, forMs, pendingSince, firedAt, conditions), plus `pinned`, `unrecorded`, `lease`, `platformRule`, `note` or `platform`, `maxDeferMs`; of a canary: `flag`, `steps`, `failedAt`, `history`, `verdict`, `window`',
  },
  flagsBefore: flagValues('every flag as it was before'),
  flagsAfter: flagValues('every flag as it was after'),
  recorded: { type: 'boolean', description: 'false while the database has not taken it yet' },
});
const conditionEvidence = closed(
  'One condition of a trigger as last evaluated',
  {
    metric: { type: 'string', description: 'p95_ms, error_rate, rss_mb or signal:NAME' },
    label: { type: 'string' },
    op: { type: 'string', enum: ['>', '<'] },
    threshold: { type: 'number' },
    clearAt: { type: 'number', description: 'the bound a fired trigger must come back past to re-arm' },
    windowMs: { type: 'integer' },
    minSamples: { type: 'integer' },
    value: { type: ['number', 'null'] },
    samples: { type: ['integer', 'null'] },
    breaching: { type: 'boolean' },
    skipped: { type: 'string', description: 'why it was not evaluated (capability off, warming up, too few samples, no data)' },
    detail: readingDetail,
  },
  ['skipped', 'detail'],
);
const platformFinding = closed(
  'Something wrong with the platform, not the phase: a failing database, a starved host, a fleet event',
  {
    kind: { type: 'string', enum: ['database', 'host', 'fleet'] },
    reason: { type: 'string' },
    at: epochMs('when it was sampled'),
    detail: readingDetail,
  },
  ['detail'],
);
const triggerState = closed('An automatic-rollback trigger and its state', {
  id: { type: 'string' },
  description: { type: 'string' },
  channel: { type: 'string', enum: ['alerts', 'performance'] },
  severity: { type: 'string', enum: ['critical', 'warning'] },
  alert: { type: 'string', description: 'the Prometheus alert that mirrors it' },
  runbook: { type: 'string', description: 'where the runbook says what to do' },
  thresholds: {
    type: 'array',
    items: closed('A condition as the registry defines it', {
      label: { type: 'string' },
      op: { type: 'string', enum: ['>', '<'] },
      threshold: { type: 'number' },
      clearAt: { type: 'number' },
      windowMs: { type: 'integer' },
      minSamples: { type: 'integer' },
    }),
  },
  status: { type: 'string', enum: ['ok', 'pending', 'fired', 'latched'] },
  pendingSince: nullableEpochMs('since when it has breached'),
  forMs: { type: 'integer', description: 'how long it must breach before it fires' },
  evidence: { type: 'array', items: conditionEvidence },
  evaluatedAt: nullableEpochMs('its last evaluation'),
  platform: orNull(
    closed('The breach is put down to the platform: since when, and why', {
      since: epochMs('since when'),
      reason: { type: 'string' },
    }),
  ),
});
const rolloutStatus = closed('Phase, dry-run and kill switches, trigger states and latches', {
  environment,
  phase: { ...phase, type: ['integer', 'null'], description: 'the recorded phase; null when none was ever recorded (v5 whole)' },
  effectivePhase: phase,
  nextPhase: { type: ['integer', 'null'], description: 'null at the last phase' },
  dryRun: { type: 'boolean' },
  emergency: { type: 'boolean', description: 'EMERGENCY_ROLLBACK, the kill switch' },
  intervalMs: { type: 'integer', description: 'how often the triggers are evaluated' },
  gateWindowMs: { type: 'integer' },
  lastEvaluationAt: nullableInstant,
  measurement: closed(
    "Whether request readings are the fleet's (shared in Redis) or this replica's own, and why",
    {
      scope: { type: 'string', enum: ['fleet', 'replica'] },
      replica: { type: ['string', 'null'] },
      reason: { type: 'string', description: 'why not the fleet' },
    },
    ['reason'],
  ),
  triggers: { type: 'array', items: triggerState },
  platform: orNull(
    closed('What the last platform sample found; null before the first', {
      sampledAt: instant,
      findings: { type: 'array', items: platformFinding },
      maxDeferMs: { type: 'integer', description: 'how long a breach may be put down to the platform before it rolls back anyway' },
    }),
  ),
  latches: { type: 'array', items: latch },
  recording,
  heldPhase: orNull(closed('A phase in force that the database does not hold yet', { phase, since: instant })),
});

const cohort = closed('One cohort over the window', {
  requests: { type: 'integer' },
  errors: { type: 'integer', description: '5xx answers' },
  errorRate: { type: ['number', 'null'] },
  p50Ms: { type: ['number', 'null'] },
  p95Ms: { type: ['number', 'null'] },
});
const testOutcome = { alpha: { type: 'number' }, regression: { type: 'boolean', description: 'significant and big enough to matter' } };
const verdictFields = {
  verdict: { type: 'string', enum: ['pass', 'fail', 'inconclusive'] },
  reasons: { type: 'array', items: { type: 'string' } },
  cohorts: closed('Treatment against control', { treatment: cohort, control: cohort }),
  latency: orNull(
    closed('Is the treatment slower: Mann–Whitney U (null until both cohorts have requests)', {
      test: { type: 'string', const: 'mann-whitney-u' },
      n1: { type: 'integer' },
      n2: { type: 'integer' },
      u: { type: 'number' },
      z: { type: 'number' },
      pGreater: { type: 'number' },
      pTwoSided: { type: 'number' },
      effect: { type: 'number', description: 'Vargha–Delaney A: P(treatment slower); 0.5 is no difference' },
      tieTerm: { type: 'number' },
      ...testOutcome,
      minEffect: { type: 'number' },
    }),
  ),
  errors: orNull(
    closed('Does the treatment fail more: two-proportion z, or Fisher exact with few errors (null until both have requests)', {
      test: { type: 'string', enum: ['two-proportion-z', 'fisher-exact'] },
      p1: { type: 'number' },
      p2: { type: 'number' },
      pooled: { type: 'number' },
      z: { type: 'number' },
      pGreater: { type: 'number' },
      pTwoSided: { type: 'number' },
      ...testOutcome,
      minIncrease: { type: 'number' },
    }),
  ),
  minSamples: { type: 'integer' },
};
const verdict = closed('A canary verdict with its evidence', verdictFields);
const canaryRun = closed('A progressive canary run', {
  flag: { type: 'string' },
  steps: { type: 'array', items: { type: 'integer', minimum: 1, maximum: 100 } },
  stickiness: { ...stickiness, type: ['string', 'null'], enum: [...stickiness.enum, null] },
  holdMs: { type: 'integer' },
  state: { type: 'string', enum: ['running', 'completed', 'rolled_back', 'stalled', 'stopped'] },
  percentage: { type: 'integer', minimum: 0, maximum: 100 },
  actor: { type: 'string' },
  reason: { type: ['string', 'null'] },
  startedAt: instant,
  updatedAt: instant,
  history: {
    type: 'array',
    items: closed('One step', {
      percentage: { type: 'integer' },
      startedAt: instant,
      endedAt: nullableInstant,
      verdict: { type: ['string', 'null'], enum: ['pass', 'fail', 'inconclusive', null] },
    }),
  },
  lastVerdict: orNull(verdict),
  decisionId: { type: ['integer', 'null'], description: 'the rollback decision, once it rolled back' },
});
const canaryReport = closed('Every percentage flag compared cohort by cohort, the settings, and the progressive runs', {
  at: instant,
  windowMs: { type: 'integer' },
  flags: mapOf(
    'Per flag with a rollout in force or data in the window',
    closed("A flag's verdict and the rollout in force (null when it has left its rollout but data is still in the window)", {
      rollout: orNull(percentageRollout),
      ...verdictFields,
    }),
  ),
  settings: closed('The analysis settings (CANARY_*)', {
    windowMs: { type: 'integer' },
    minSamples: { type: 'integer' },
    alpha: { type: 'number' },
    minLatencyEffect: { type: 'number' },
    minErrorIncrease: { type: 'number' },
  }),
  runs: { type: 'array', items: canaryRun },
});
const rolloutOp = operationsTagged('rollout');

export const ROLLOUT_OPERATIONS: Record<string, OperationDoc> = {
  'GET /admin/rollout': rolloutOp('getRolloutStatus', { responses: { 200: rolloutStatus } }),
  'GET /admin/rollout/gate': rolloutOp('getRolloutGate', { responses: { 200: gateReport } }),
  'POST /admin/rollout/advance': rolloutOp('advanceRollout', {
    responses: {
      200: closed('The decision of the advance, and the gate it passed (or was forced past)', { decision, gate: gateReport }),
      400: error,
      409: error,
    },
  }),
  'POST /admin/rollout/rollback': rolloutOp('rollbackRollout', { responses: { 200: decision, 400: error } }),
  'GET /admin/rollout/decisions': rolloutOp('listRolloutDecisions', {
    responses: {
      200: closed(
        'Decisions, newest first, and where they were read',
        {
          decisions: { type: 'array', items: decision },
          source: {
            type: 'string',
            enum: ['database', 'memory'],
            description: "memory: the database does not answer, so this replica's decisions since it started",
          },
          recording,
          error: { type: 'string', description: 'why the database was not read (source memory only)' },
        },
        ['error'],
      ),
    },
  }),
  'POST /admin/rollout/rearm': rolloutOp('rearmRolloutTrigger', {
    responses: {
      200: closed('The triggers re-armed, and the decision that records it (null when nothing was latched)', {
        rearmed: { type: 'array', items: { type: 'string' } },
        decision: orNull(decision),
      }),
      400: error,
    },
  }),
  'GET /admin/rollout/attestations': rolloutOp('listRolloutAttestations', {
    responses: { 200: closed('The latest attestation per criterion', { attestations: { type: 'array', items: attestation } }) },
  }),
  'POST /admin/rollout/attestations': rolloutOp('recordRolloutAttestation', {
    responses: {
      201: closed('The latest attestation per criterion, this one included', { attestations: { type: 'array', items: attestation } }),
      400: error,
    },
  }),
  'POST /admin/rollout/dry-run': rolloutOp('setRolloutDryRun', { responses: { 200: rolloutStatus } }),
  'GET /admin/rollout/canary': rolloutOp('getCanaryAnalysis', { responses: { 200: canaryReport } }),
  'POST /admin/rollout/canary/:flag': rolloutOp('startCanary', {
    responses: { 202: canaryRun, 400: error, 409: error },
  }),
  'DELETE /admin/rollout/canary/:flag': rolloutOp('stopCanary', { responses: { 200: canaryRun, 404: error } }),
  'POST /admin/rollout/canary/:flag/rearm': rolloutOp('rearmCanary', {
    responses: {
      200: closed('The canary latch re-armed, and the decision that records it (null when nothing was latched)', {
        rearmed: { type: 'array', items: { type: 'string' } },
        decisionId: { type: ['integer', 'null'] },
      }),
      400: error,
    },
  }),
};
