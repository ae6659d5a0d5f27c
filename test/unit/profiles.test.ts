// loadProfile and validateProfile: the built-ins, kitchen-sink completeness, refusals that name the culprit, files.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CONVERTER_FACTORIES } from '../../src/converters/index.js';
import { BUILT_IN_PROFILES, loadProfile, mimeMatches, ProfileError, validateProfile } from '../../src/profiles.js';

/** Asserts validateProfile refuses `raw` with a ProfileError whose message matches `pattern`. */
function refuses(raw: unknown, pattern: RegExp): void {
  assert.throws(
    () => validateProfile(raw, 'test-profile'),
    (err: unknown) => err instanceof ProfileError && pattern.test(err.message) && err.message.startsWith('test-profile:'),
    `expected ${JSON.stringify(raw)} to be refused with ${pattern}`,
  );
}

const base = { name: 'custom', converters: ['sharp'], inputs: ['image/*'], outputs: ['image/webp'] };

describe('built-in profiles', () => {
  it('all three load, named as their file', async () => {
    assert.deepEqual([...BUILT_IN_PROFILES].sort(), ['empty', 'image', 'kitchen-sink']);
    for (const name of BUILT_IN_PROFILES) {
      const profile = await loadProfile(name);
      assert.equal(profile.name, name);
      assert.ok(profile.description.length > 10, `${name} has no description`);
      assert.match(profile.source, new RegExp(`profiles/${name}\\.json$`));
    }
  });

  it('kitchen-sink lists every registered converter, so a new converter cannot be forgotten', async () => {
    const kitchen = await loadProfile('kitchen-sink');
    const registered = Object.keys(CONVERTER_FACTORIES).sort();
    const missing = registered.filter((name) => !kitchen.converters.includes(name));
    assert.deepEqual(missing, [], `profiles/kitchen-sink.json lacks ${missing.join(', ')}`);
    assert.deepEqual([...kitchen.converters].sort(), registered);
    assert.deepEqual(kitchen.inputs, ['*/*']);
    assert.deepEqual(kitchen.outputs, ['*/*']);
  });

  it('image is sharp only and empty has no converters', async () => {
    assert.deepEqual((await loadProfile('image')).converters, ['sharp']);
    const empty = await loadProfile('empty');
    assert.deepEqual(empty.converters, []);
    // It accepts every type so that a conversion is a 422 no_conversion_path, not a 415.
    assert.deepEqual(empty.inputs, ['*/*']);
  });

  it('an unknown built-in name is refused with the list of names', async () => {
    await assert.rejects(loadProfile('everything'), (err: unknown) => err instanceof ProfileError && /Unknown profile "everything".*kitchen-sink, image, empty/.test(err.message));
  });
});

describe('validation', () => {
  it('a valid profile gets defaults for what it leaves out', () => {
    const profile = validateProfile({ name: 'bare' });
    assert.deepEqual(profile, { name: 'bare', description: '', converters: [], inputs: [], outputs: [], limits: {} });
    assert.deepEqual(validateProfile({ ...base, limits: { maxSourceBytes: 1000 } }).limits, { maxSourceBytes: 1000 });
  });

  it('an unknown key is named, with the valid keys', () => {
    refuses({ ...base, convertors: ['sharp'] }, /unknown key "convertors"; valid keys: name, description, converters, inputs, outputs, limits/);
  });

  it('an unknown converter is named, with the known ones', () => {
    refuses({ ...base, converters: ['sharp', 'photoshop'] }, /unknown converter "photoshop"; known converters: .*sharp/);
  });

  it('a bad MIME glob is named', () => {
    refuses({ ...base, inputs: ['images'] }, /"images" is not a MIME type or glob/);
    refuses({ ...base, outputs: ['image/*/x'] }, /"image\/\*\/x"/);
    refuses({ ...base, inputs: ['image/png; charset=x'] }, /not a MIME type/);
  });

  it('a bad or unknown limit is named', () => {
    refuses({ ...base, limits: { maxSourceBytes: 0 } }, /limit "maxSourceBytes" must be a whole number/);
    refuses({ ...base, limits: { maxSourcePixels: '50MP' } }, /limit "maxSourcePixels"/);
    refuses({ ...base, limits: { maxDuration: 10 } }, /unknown limit "maxDuration"; valid limits: maxSourceBytes, maxSourcePixels, conversionTimeoutMs/);
    refuses({ ...base, limits: [] }, /"limits" must be an object/);
  });

  it('wrong shapes are refused', () => {
    refuses([], /must be a JSON object/);
    refuses('sharp', /must be a JSON object/);
    refuses({ ...base, name: '' }, /"name" must be a non-empty string/);
    refuses({ ...base, converters: 'sharp' }, /"converters" must be an array of strings/);
    refuses({ ...base, inputs: [1] }, /"inputs" must be an array of strings/);
  });
});

describe('profile files', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'omnic-profiles-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('loads a profile from a path', async () => {
    const file = join(dir, 'thumbs-only.json');
    await writeFile(file, JSON.stringify({ ...base, name: 'thumbs-only', description: 'webp thumbnails', limits: { conversionTimeoutMs: 5000 } }));
    const profile = await loadProfile(file);
    assert.equal(profile.name, 'thumbs-only');
    assert.equal(profile.source, file);
    assert.deepEqual(profile.outputs, ['image/webp']);
    assert.deepEqual(profile.limits, { conversionTimeoutMs: 5000 });
  });

  it('a missing file, bad JSON or bad content is a ProfileError naming the file', async () => {
    const missing = join(dir, 'nope.json');
    await assert.rejects(loadProfile(missing), (err: unknown) => err instanceof ProfileError && err.message.includes(missing) && err.message.includes('ENOENT'));
    const broken = join(dir, 'broken.json');
    await writeFile(broken, '{"name": "broken",');
    await assert.rejects(loadProfile(broken), (err: unknown) => err instanceof ProfileError && err.message.includes(broken) && /not valid JSON/.test(err.message));
    const unknown = join(dir, 'unknown.json');
    await writeFile(unknown, JSON.stringify({ ...base, converters: ['gimp'] }));
    await assert.rejects(loadProfile(unknown), (err: unknown) => err instanceof ProfileError && err.message.includes(unknown) && err.message.includes('"gimp"'));
  });
});

describe('mimeMatches', () => {
  it('matches exact types, type wildcards and */*', () => {
    assert.ok(mimeMatches(['image/png'], 'image/png'));
    assert.ok(!mimeMatches(['image/png'], 'image/webp'));
    assert.ok(mimeMatches(['image/*'], 'image/svg+xml'));
    assert.ok(!mimeMatches(['image/*'], 'application/pdf'));
    assert.ok(mimeMatches(['*/*'], 'model/gltf-binary'));
    assert.ok(mimeMatches(['IMAGE/*'], 'image/png'));
    assert.ok(!mimeMatches([], 'image/png'));
  });
});
