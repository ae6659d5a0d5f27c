// Every object the chart renders, for every values file, validates against the Kubernetes API schemas.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { Ingress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Pod } from 'kubernetes-models/v1/Pod';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import { VALUES_FILES, findObject, renderChart, type K8sObject } from './render-chart.js';

type Validating = new (data: never) => { validate(): void };

/** The schema of each apiVersion/kind the chart may render; a kind missing here fails the test. */
const MODELS: Record<string, Validating> = {
  'apps/v1/Deployment': Deployment,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'networking.k8s.io/v1/Ingress': Ingress,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'v1/ConfigMap': ConfigMap,
  'v1/Pod': Pod,
  'v1/Secret': Secret,
  'v1/Service': Service,
  'v1/ServiceAccount': ServiceAccount,
  'monitoring.coreos.com/v1/ServiceMonitor': ServiceMonitor,
};

/** What each values file must produce, so a template that silently renders nothing fails too. */
const EXPECTED_KINDS: Record<string, string[]> = {
  'default-values.yaml': ['Deployment', 'Service', 'ServiceAccount', 'PodDisruptionBudget', 'Pod'],
  'image-values.yaml': ['Deployment', 'Service', 'ServiceAccount', 'Pod'],
  'full-values.yaml': ['Deployment', 'Service', 'ServiceAccount', 'PodDisruptionBudget', 'Ingress', 'HorizontalPodAutoscaler', 'NetworkPolicy', 'ServiceMonitor', 'ConfigMap', 'Secret', 'Pod'],
  'existing-secret-values.yaml': ['Deployment', 'Service', 'ServiceAccount', 'PodDisruptionBudget', 'NetworkPolicy', 'Pod'],
};

function validate(obj: K8sObject): string | undefined {
  const Model = MODELS[`${obj.apiVersion}/${obj.kind}`];
  if (!Model) return `no schema for ${obj.apiVersion} ${obj.kind}; add its model to MODELS`;
  try {
    new Model(obj as never).validate();
    return undefined;
  } catch (err) {
    return `${obj.kind} ${obj.metadata?.name}: ${(err as Error).message}`;
  }
}

for (const file of VALUES_FILES) {
  test(`ci/${file}: every rendered object validates against its Kubernetes schema`, async () => {
    const objects = await renderChart(file);
    assert.ok(objects.length > 0, 'helm rendered nothing');
    const problems = objects.map(validate).filter(Boolean);
    assert.deepEqual(problems, []);
    const expected = EXPECTED_KINDS[file];
    assert.ok(expected, `add ci/${file} to EXPECTED_KINDS`);
    assert.deepEqual([...new Set(objects.map((o) => o.kind))].sort(), [...expected].sort());
    for (const obj of objects) assert.match(obj.metadata.name, /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, `${obj.kind} name is not a DNS label`);
  });

  test(`ci/${file}: only the Deployment's pods carry the selector labels (the helm test pod must not join the Service)`, async () => {
    const objects = await renderChart(file);
    const selector = findObject<{ spec: { selector: Record<string, string> } }>(objects, 'Service')!.spec.selector;
    const matches = (labels: Record<string, string> = {}) => Object.entries(selector).every(([k, v]) => labels[k] === v);
    for (const pod of objects.filter((o) => o.kind === 'Pod')) assert.equal(matches(pod.metadata.labels), false, `${pod.metadata.name} would receive Service traffic`);
    const template = findObject<{ spec: { template: { metadata: { labels: Record<string, string> } } } }>(objects, 'Deployment')!.spec.template;
    assert.ok(matches(template.metadata.labels));
  });
}

test('the validator itself rejects a broken Deployment (so a pass means something)', async () => {
  const [deployment] = (await renderChart('default-values.yaml')).filter((o) => o.kind === 'Deployment');
  const broken = structuredClone(deployment!) as K8sObject & { spec: { replicas: unknown; template: { spec: { containers: Array<{ ports: Array<{ containerPort: unknown }> }> } } } };
  broken.spec.template.spec.containers[0]!.ports[0]!.containerPort = '8080';
  assert.match(validate(broken) ?? '', /containerPort must be integer/);
});
