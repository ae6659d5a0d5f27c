// `docker run omnic` with no variables at all: the default target serves kitchen-sink thumbnails on port 8080.
import './helpers/env.js';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { GenericContainer, type StartedTestContainer } from 'testcontainers';
import { SPECIMENS, zooPath } from '../fixtures/zoo/index.js';
import { assertImage } from '../helpers/probe.js';
import { ensureImage } from './helpers/images.js';
import { e2eSkip } from './helpers/skip.js';

const DOCX = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';

/** Runs inside the container: waits for /readyz on the default port, posts the file, prints status and type, saves the body. */
const CLIENT = `
const fs = require('node:fs');
(async () => {
  for (let i = 0; i < 200; i++) {
    const ready = await fetch('http://127.0.0.1:8080/readyz').then((r) => r.ok, () => false);
    if (ready) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  const res = await fetch('http://127.0.0.1:8080/convert/thumb.png:200x200', { method: 'POST', body: fs.readFileSync('/tmp/source') });
  fs.writeFileSync('/tmp/result', Buffer.from(await res.arrayBuffer()));
  console.log(res.status, res.headers.get('content-type'), res.headers.get('x-omnic-path'));
})();
`;

describe('the default image with no variables', { skip: e2eSkip() }, () => {
  let container: StartedTestContainer;

  before(async () => {
    const docx = SPECIMENS.find((s) => s.mime === DOCX);
    assert.ok(docx, 'the zoo has no docx specimen');
    // No network at all: port 8080 inside the container cannot collide with anything on the host.
    container = await new GenericContainer(await ensureImage('kitchen-sink'))
      .withNetworkMode('none')
      .withLabels({ 'omnic-e2e': 'true' })
      .withCopyFilesToContainer([{ source: zooPath(docx.file), target: '/tmp/source', mode: 0o644 }])
      .start();
  });
  after(async () => {
    await container?.stop({ timeout: 10_000 });
  });

  it('reports the kitchen-sink profile and the image defaults', async () => {
    const { output } = await container.exec(['sh', '-c', 'echo "$OMNIC_PROFILE $OMNIC_CACHE_DIR $(id -u)"']);
    const [profile, cacheDir, uid] = output.trim().split(' ');
    assert.equal(profile, 'kitchen-sink');
    assert.equal(cacheDir, '/var/cache/omnic');
    assert.notEqual(uid, '0');
  });

  it('turns a docx into a 200×200 PNG thumbnail', async () => {
    const run = await container.exec(['node', '-e', CLIENT]);
    assert.equal(run.exitCode, 0, run.output);
    assert.match(run.output.trim(), /^200 image\/png docx>pdf>.*thumb\.png$/m);
    const { output } = await container.exec(['base64', '-w0', '/tmp/result']);
    await assertImage(Buffer.from(output.trim(), 'base64'), { format: 'png', width: 200, height: 200 });
  });
});
