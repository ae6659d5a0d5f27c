// Typed views of the rendered Deployment's pod and the environment it gives the omnic container.
import type { K8sObject } from './render-chart.js';

export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string; optional?: boolean } };
}
export interface Probe {
  httpGet: { path: string; port: string | number };
}
export interface Container {
  name: string;
  env: EnvVar[];
  ports: Array<{ name: string; containerPort: number }>;
  startupProbe: Probe;
  livenessProbe: Probe;
  readinessProbe: Probe;
  lifecycle: { preStop: { exec: { command: string[] } } };
  securityContext: Record<string, unknown> & { capabilities?: { drop?: string[] } };
  volumeMounts: Array<{ name: string; mountPath: string; readOnly?: boolean }>;
}
export interface Volume {
  name: string;
  emptyDir?: { sizeLimit?: string };
  ephemeral?: { volumeClaimTemplate: { spec: { resources: { requests: { storage: string } } } } };
  persistentVolumeClaim?: { claimName: string };
  configMap?: { name: string };
}
export interface PodSpec {
  securityContext: Record<string, unknown> & { seccompProfile?: { type: string } };
  automountServiceAccountToken?: boolean;
  terminationGracePeriodSeconds: number;
  containers: Container[];
  volumes: Volume[];
}

export function podSpec(objects: K8sObject[]): PodSpec {
  const deployment = objects.find((o) => o.kind === 'Deployment') as { spec: { template: { spec: PodSpec } } } | undefined;
  if (!deployment) throw new Error('the chart rendered no Deployment');
  return deployment.spec.template.spec;
}

export function omnicContainer(objects: K8sObject[]): Container {
  const container = podSpec(objects).containers.find((c) => c.name === 'omnic');
  if (!container) throw new Error('the Deployment has no container named omnic');
  return container;
}

/** Secrets an operator would create for the values files that name an existingSecret. */
export const EXTERNAL_SECRETS = { 'omnic-keys': { 'signing-keys': 'operator-managed-key-0123456789' } };

/**
 * The container's environment as the kubelet would build it: plain values, and secretKeyRef values
 * read from the rendered Secret (or from `externalSecrets` for a Secret the operator manages).
 */
export function resolvedEnv(objects: K8sObject[], externalSecrets: Record<string, Record<string, string>> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const entry of omnicContainer(objects).env) {
    if (entry.value !== undefined) env[entry.name] = entry.value;
    const ref = entry.valueFrom?.secretKeyRef;
    if (!ref) continue;
    const value = secretValue(objects, ref.name, ref.key) ?? externalSecrets[ref.name]?.[ref.key];
    if (value !== undefined) env[entry.name] = value;
    else if (!ref.optional) throw new Error(`${entry.name} needs key ${ref.key} of Secret ${ref.name}, which nothing provides`);
  }
  return env;
}

function secretValue(objects: K8sObject[], name: string, key: string): string | undefined {
  const secret = objects.find((o) => o.kind === 'Secret' && o.metadata.name === name) as { data?: Record<string, string> } | undefined;
  const encoded = secret?.data?.[key];
  return encoded === undefined ? undefined : Buffer.from(encoded, 'base64').toString('utf8');
}

const QUANTITY_UNITS: Record<string, number> = { '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40 };

/** A Kubernetes quantity (10Gi, 500M) in bytes. */
export function quantityBytes(quantity: string): number {
  const match = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|k|M|G|T)?$/.exec(quantity);
  if (!match) throw new Error(`not a quantity: ${quantity}`);
  return Number(match[1]) * QUANTITY_UNITS[match[2] ?? '']!;
}
