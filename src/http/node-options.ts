// V8 options the service runs with, wherever it is launched (npm start, the container, the
// manifests, the benchmark's replicas); test/deploy-node-options.test.ts keeps those in step.
// Node's young generation grows to 16 MB semi-spaces under load; a replica's allocation is
// short-lived request garbage that a 1 MB semi-space collects as well, and RSS under the
// benchmark's load drops by 50–65 MB (about 260 → 200 MB) at no measurable throughput cost.
export const SERVICE_NODE_OPTIONS = ['--max-semi-space-size=1'] as const;
