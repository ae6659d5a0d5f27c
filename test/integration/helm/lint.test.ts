// helm lint is clean for every values file, and values.schema.json plus the templates refuse bad values.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { join } from 'node:path';
import { CHART_DIR, VALUES_FILES, runHelm } from './render-chart.js';

test('the matrix has the defaults, the image profile and everything enabled', () => {
  for (const name of ['default-values.yaml', 'image-values.yaml', 'full-values.yaml']) assert.ok(VALUES_FILES.includes(name), `helm/omnic/ci/${name} is missing`);
});

test('helm lint --strict is clean with the chart defaults', async () => {
  const result = await runHelm(['lint', CHART_DIR, '--strict']);
  assert.equal(result.code, 0, result.stdout + result.stderr);
  assert.match(result.stdout, /1 chart\(s\) linted, 0 chart\(s\) failed/);
  assert.doesNotMatch(result.stdout, /\[(WARNING|ERROR)\]/);
});

for (const file of VALUES_FILES) {
  test(`helm lint --strict is clean with ci/${file}`, async () => {
    const result = await runHelm(['lint', CHART_DIR, '--strict', '-f', join(CHART_DIR, 'ci', file)]);
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.doesNotMatch(result.stdout, /\[(WARNING|ERROR)\]/);
  });
}

/** Each bad value must fail `helm template` with a message that names what is wrong. */
const REFUSED: Array<{ why: string; set: string[]; message: RegExp }> = [
  { why: 'a misspelt top-level key', set: ['replicas=3'], message: /Additional property replicas is not allowed/ },
  { why: 'an unknown built-in profile', set: ['profile.name=everything'], message: /profile\.name/ },
  { why: 'an env name that is not OMNIC_*', set: ['env.NODE_OPTIONS=--inspect'], message: /OMNIC_\[A-Z0-9_\]\+/ },
  { why: 'an env name the chart already sets from a value', set: ['env.OMNIC_PORT=9000'], message: /env\.OMNIC_PORT: the chart sets OMNIC_PORT/ },
  { why: 'a cache size the app cannot parse', set: ['cache.maxBytes=lots'], message: /cache\.maxBytes/ },
  { why: 'an unknown cache volume type', set: ['cache.volume=hostPath'], message: /cache\.volume/ },
  { why: 'existingClaim without a claim name', set: ['cache.volume=existingClaim'], message: /needs cache\.existingClaim/ },
  { why: 'a NetworkPolicy nothing may pass', set: ['networkPolicy.enabled=true', 'networkPolicy.ingress.allowSameNamespace=false'], message: /nothing could reach omnic/ },
  { why: 'a signing key with a comma (the app splits on commas)', set: ['signingKeys[0]=abcdefgh\\,ijklmnopqrstu'], message: /signingKeys/ },
  { why: 'a custom profile with an unknown key', set: ['profile.custom.name=x', 'profile.custom.converter=sharp'], message: /converter/ },
];

for (const { why, set, message } of REFUSED) {
  test(`helm template refuses ${why}`, async () => {
    const args = ['template', 'omnic', CHART_DIR];
    for (const pair of set) args.push('--set', pair);
    const result = await runHelm(args);
    assert.notEqual(result.code, 0, `helm accepted ${set.join(' ')}`);
    assert.match(result.stderr, message);
  });
}
