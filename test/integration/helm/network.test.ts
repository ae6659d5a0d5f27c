// NetworkPolicy egress reaches DNS and public addresses only; the Ingress hashes by source URL when asked.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findObject, renderChart } from './render-chart.js';

interface Peer {
  ipBlock?: { cidr: string; except?: string[] };
  podSelector?: Record<string, unknown>;
  namespaceSelector?: Record<string, unknown>;
}
interface Rule {
  to?: Peer[];
  from?: Peer[];
  ports?: Array<{ port: number | string; protocol: string }>;
}
interface Policy {
  spec: { podSelector: { matchLabels: Record<string, string> }; policyTypes: string[]; ingress: Rule[]; egress: Rule[] };
}

/** Every range the app's egress guard refuses (DESIGN §8) must be closed at the network too. */
const PRIVATE_V4 = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '169.254.0.0/16', '100.64.0.0/10', '127.0.0.0/8'];
const PRIVATE_V6 = ['fc00::/7', 'fe80::/10', '::1/128'];

async function policy(set: string[] = []): Promise<Policy> {
  const objects = await renderChart(undefined, ['networkPolicy.enabled=true', ...set]);
  const found = findObject<Policy>(objects, 'NetworkPolicy');
  assert.ok(found, 'no NetworkPolicy rendered');
  const deployment = findObject<{ spec: { selector: { matchLabels: Record<string, string> } } }>(objects, 'Deployment')!;
  assert.deepEqual(found.spec.podSelector.matchLabels, deployment.spec.selector.matchLabels, 'the policy does not select the omnic pods');
  return found;
}

test('egress: public IPv4 and IPv6 only, private, loopback, link-local and CGNAT ranges excepted', async () => {
  const { spec } = await policy();
  assert.deepEqual(spec.policyTypes.sort(), ['Egress', 'Ingress']);
  const blocks = spec.egress.flatMap((rule) => rule.to ?? []).flatMap((peer) => (peer.ipBlock ? [peer.ipBlock] : []));
  const v4 = blocks.find((b) => b.cidr === '0.0.0.0/0');
  const v6 = blocks.find((b) => b.cidr === '::/0');
  assert.ok(v4 && v6, 'no public IPv4/IPv6 egress block');
  for (const cidr of PRIVATE_V4) assert.ok(v4.except?.includes(cidr), `${cidr} is reachable`);
  for (const cidr of PRIVATE_V6) assert.ok(v6.except?.includes(cidr), `${cidr} is reachable`);
  const publicRule = spec.egress.find((rule) => rule.to?.some((peer) => peer.ipBlock))!;
  assert.deepEqual(publicRule.ports?.map((p) => p.port), [80, 443], 'sources are fetched on 80/443 only (DESIGN §8)');
  for (const rule of spec.egress) assert.ok(rule.to?.length, 'an egress rule without `to` would allow every destination');
});

test('egress: DNS over UDP and TCP to the cluster resolver', async () => {
  const { spec } = await policy();
  const dns = spec.egress.find((rule) => rule.ports?.some((p) => p.port === 53))!;
  assert.ok(dns, 'no DNS egress rule');
  assert.deepEqual(dns.ports!.map((p) => p.protocol).sort(), ['TCP', 'UDP']);
  assert.ok(dns.to?.every((peer) => !peer.ipBlock), 'DNS must go to the resolver pods, not an open ipBlock');
});

test('ingress: from the release namespace by default, or only from the chosen peers', async () => {
  const same = (await policy()).spec.ingress;
  assert.deepEqual(same[0]!.from, [{ podSelector: {} }]);
  assert.deepEqual(same[0]!.ports!.map((p) => p.port), ['http', 'metrics']);
  const peer = { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } } };
  const chosen = (await policy(['networkPolicy.ingress.allowSameNamespace=false', 'networkPolicy.ingress.from[0].namespaceSelector.matchLabels.kubernetes\\.io/metadata\\.name=ingress-nginx'])).spec.ingress;
  assert.deepEqual(chosen[0]!.from, [peer]);
  const sharedPort = (await policy(['metrics.port=0'])).spec.ingress;
  assert.deepEqual(sharedPort[0]!.ports!.map((p) => p.port), ['http']);
});

interface Ingress {
  metadata: { annotations?: Record<string, string> };
  spec: { rules: Array<{ http: { paths: Array<{ backend: { service: { name: string; port: { name: string } } } }> } }> };
}

test('ingress: hash routing by the source URL is opt-in and sends traffic to the http port', async () => {
  const plain = findObject<Ingress>(await renderChart(undefined, ['ingress.enabled=true']), 'Ingress')!;
  assert.equal(plain.metadata.annotations?.['nginx.ingress.kubernetes.io/upstream-hash-by'], undefined);
  const objects = await renderChart('full-values.yaml');
  const hashed = findObject<Ingress>(objects, 'Ingress')!;
  assert.equal(hashed.metadata.annotations?.['nginx.ingress.kubernetes.io/upstream-hash-by'], '$arg_url');
  assert.equal(hashed.metadata.annotations?.['nginx.ingress.kubernetes.io/proxy-body-size'], '20m', 'user annotations are kept');
  const service = findObject<{ metadata: { name: string } }>(objects, 'Service')!;
  for (const path of hashed.spec.rules.flatMap((r) => r.http.paths)) {
    assert.equal(path.backend.service.name, service.metadata.name);
    assert.equal(path.backend.service.port.name, 'http', 'the Ingress must never expose the metrics port');
  }
});
