// NOTES.txt renders for every values file and tells the operator what matters (offline: no cluster for helm install).
import assert from 'node:assert/strict';
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { CHART_DIR, VALUES_FILES, runHelm } from './render-chart.js';

/**
 * helm renders NOTES.txt only on install, which needs a cluster; so a copy of the chart gets one more
 * template that renders NOTES.txt's text (templates/ is not readable through .Files) into a ConfigMap.
 */
async function renderNotes(valuesFile: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'omnic-helm-notes-'));
  try {
    const chart = join(dir, 'omnic');
    await cp(CHART_DIR, chart, { recursive: true });
    await cp(join(chart, 'templates/NOTES.txt'), join(chart, 'notes-under-test.txt'));
    const probe = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: notes\ndata:\n  notes: {{ tpl (.Files.Get "notes-under-test.txt") . | toJson }}\n';
    await writeFile(join(chart, 'templates/notes-under-test.yaml'), probe);
    const result = await runHelm(['template', 'omnic', chart, '-n', 'media', '-f', join(CHART_DIR, 'ci', valuesFile), '--show-only', 'templates/notes-under-test.yaml']);
    assert.equal(result.code, 0, result.stderr);
    return JSON.parse(/notes: (".*")$/m.exec(result.stdout)![1]!) as string;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

for (const file of VALUES_FILES) {
  test(`ci/${file}: NOTES.txt renders with the release's profile and a way to reach it`, async () => {
    const notes = await renderNotes(file);
    assert.match(notes, /is installed as omnic(-omnic)? in media \(profile: \S+\)/);
    assert.match(notes, /\/readyz/);
    assert.match(notes, /port-forward svc\/omnic|curl -s https?:\/\/\S+\/formats/);
  });
}

test('NOTES.txt warns when URLs are not signed, and not when keys are set', async () => {
  assert.match(await renderNotes('default-values.yaml'), /WARNING: no signing keys/);
  assert.doesNotMatch(await renderNotes('full-values.yaml'), /WARNING: no signing keys/);
  assert.doesNotMatch(await renderNotes('existing-secret-values.yaml'), /WARNING: no signing keys/);
});
