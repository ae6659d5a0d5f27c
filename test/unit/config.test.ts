// loadConfig: defaults from an empty environment, every variable mapped, bad values named by their variable.
import assert from 'node:assert/strict';
import { availableParallelism } from 'node:os';
import { describe, it } from 'node:test';
import { ConfigError, configEnvNames, loadConfig, parseBytes } from '../../src/config.js';

/** Asserts loadConfig refuses `env` with a ConfigError naming `variable`. */
function refuses(env: Record<string, string>, variable: string): void {
  assert.throws(
    () => loadConfig(env),
    (err: unknown) => err instanceof ConfigError && err.message.includes(variable),
    `expected ${JSON.stringify(env)} to be refused naming ${variable}`,
  );
}

describe('defaults', () => {
  it('an empty environment gives the documented defaults', () => {
    const config = loadConfig({});
    assert.equal(config.profile, 'image');
    assert.equal(config.host, '0.0.0.0');
    assert.equal(config.port, 8080);
    assert.equal(config.metricsPort, 0);
    assert.equal(config.cache.dir, './.cache');
    assert.equal(config.cache.maxBytes, 10 * 2 ** 30);
    assert.deepEqual(config.egress.allowedHosts, []);
    assert.equal(config.egress.allowPrivateNetworks, false);
    assert.equal(config.egress.maxSourceBytes, 50_000_000);
    assert.equal(config.egress.downloadTimeoutMs, 15_000);
    assert.equal(config.egress.maxRedirects, 5);
    assert.deepEqual(config.signingKeys, []);
    assert.equal(config.maxSourcePixels, 50_000_000);
    assert.equal(config.concurrency, availableParallelism());
    assert.equal(config.queueSize, 64);
    assert.equal(config.waitMs, 10_000);
    assert.equal(config.conversionTimeoutMs, 60_000);
    assert.equal(config.resultMaxAge, 31_536_000);
    assert.deepEqual(config.log, { level: 'info', format: 'json' });
    assert.equal(config.adminToken, '');
    assert.deepEqual(config.bins, {});
  });

  it('the result is frozen, deep down', () => {
    const config = loadConfig({});
    assert.ok(Object.isFrozen(config));
    assert.ok(Object.isFrozen(config.cache));
    assert.ok(Object.isFrozen(config.egress.allowedHosts));
    assert.throws(() => {
      (config as { port: number }).port = 1;
    }, TypeError);
  });

  it('reads only the env object it is given, never process.env', () => {
    process.env.OMNIC_PORT = '1234';
    try {
      assert.equal(loadConfig({}).port, 8080);
    } finally {
      delete process.env.OMNIC_PORT;
    }
  });
});

describe('environment variables', () => {
  it('every scalar variable maps onto its key', () => {
    const config = loadConfig({
      OMNIC_PROFILE: 'kitchen-sink',
      OMNIC_HOST: '127.0.0.1',
      OMNIC_PORT: '9090',
      OMNIC_METRICS_PORT: '9100',
      OMNIC_CACHE_DIR: '/var/cache/omnic',
      OMNIC_MAX_SOURCE_PIXELS: '1000',
      OMNIC_DOWNLOAD_TIMEOUT_MS: '500',
      OMNIC_MAX_REDIRECTS: '0',
      OMNIC_CONCURRENCY: '3',
      OMNIC_QUEUE_SIZE: '0',
      OMNIC_WAIT_MS: '250',
      OMNIC_CONVERSION_TIMEOUT_MS: '7000',
      OMNIC_FAILURE_TTL_MS: '0',
      OMNIC_RESULT_MAX_AGE: '60',
      OMNIC_SHUTDOWN_GRACE_MS: '100',
      OMNIC_LOG_LEVEL: 'debug',
      OMNIC_LOG_FORMAT: 'text',
      OMNIC_ADMIN_TOKEN: 's3cret',
      OMNIC_LIBREOFFICE_POOL_SIZE: '4',
      OMNIC_LIBREOFFICE_RECYCLE_AFTER: '10',
    });
    assert.equal(config.profile, 'kitchen-sink');
    assert.equal(config.host, '127.0.0.1');
    assert.equal(config.port, 9090);
    assert.equal(config.metricsPort, 9100);
    assert.equal(config.cache.dir, '/var/cache/omnic');
    assert.equal(config.maxSourcePixels, 1000);
    assert.equal(config.egress.downloadTimeoutMs, 500);
    assert.equal(config.egress.maxRedirects, 0);
    assert.equal(config.concurrency, 3);
    assert.equal(config.queueSize, 0);
    assert.equal(config.waitMs, 250);
    assert.equal(config.conversionTimeoutMs, 7000);
    assert.equal(config.failureTtlMs, 0);
    assert.equal(config.resultMaxAge, 60);
    assert.equal(config.shutdownGraceMs, 100);
    assert.deepEqual(config.log, { level: 'debug', format: 'text' });
    assert.equal(config.adminToken, 's3cret');
    assert.deepEqual(config.converters.libreoffice, { poolSize: 4, recycleAfter: 10 });
  });

  it('byte sizes accept binary and decimal units and plain numbers', () => {
    assert.equal(loadConfig({ OMNIC_CACHE_MAX_BYTES: '10GiB' }).cache.maxBytes, 10 * 2 ** 30);
    assert.equal(loadConfig({ OMNIC_CACHE_MAX_BYTES: '500MB' }).cache.maxBytes, 500_000_000);
    assert.equal(loadConfig({ OMNIC_CACHE_MAX_BYTES: '1048576' }).cache.maxBytes, 1_048_576);
    assert.equal(loadConfig({ OMNIC_CACHE_MAX_BYTES: '1.5 kib' }).cache.maxBytes, 1536);
    assert.equal(loadConfig({ OMNIC_MAX_SOURCE_BYTES: '2MB' }).egress.maxSourceBytes, 2_000_000);
    assert.ok(Number.isNaN(parseBytes('ten gigs')));
    assert.equal(parseBytes(42), 42);
  });

  it('lists are split on commas, trimmed, empties dropped', () => {
    const config = loadConfig({ OMNIC_ALLOWED_HOSTS: 'files.example.com, *.cdn.example.net,,', OMNIC_SIGNING_KEYS: 'new-key,old-key' });
    assert.deepEqual(config.egress.allowedHosts, ['files.example.com', '*.cdn.example.net']);
    assert.deepEqual(config.signingKeys, ['new-key', 'old-key']);
  });

  it('booleans read true and false', () => {
    assert.equal(loadConfig({ OMNIC_ALLOW_PRIVATE_NETWORKS: 'true' }).egress.allowPrivateNetworks, true);
    assert.equal(loadConfig({ OMNIC_ALLOW_PRIVATE_NETWORKS: 'false' }).egress.allowPrivateNetworks, false);
  });

  it('a boolean written 0, no, off or empty never opens private networks; nonsense is refused', () => {
    // convict's Boolean coerces every string except "false" to true: OMNIC_ALLOW_PRIVATE_NETWORKS=0 would allow SSRF.
    for (const value of ['0', 'no', 'off', 'NO', '']) {
      assert.equal(loadConfig({ OMNIC_ALLOW_PRIVATE_NETWORKS: value }).egress.allowPrivateNetworks, false, `"${value}" enabled private networks`);
    }
    for (const value of ['1', 'yes', 'on', 'TRUE']) assert.equal(loadConfig({ OMNIC_ALLOW_PRIVATE_NETWORKS: value }).egress.allowPrivateNetworks, true, `"${value}"`);
    refuses({ OMNIC_ALLOW_PRIVATE_NETWORKS: 'maybe' }, 'OMNIC_ALLOW_PRIVATE_NETWORKS');
  });

  it('unknown OMNIC_* variables and other variables are ignored', () => {
    const config = loadConfig({ OMNIC_NO_SUCH_THING: 'x', OMNIC_BIN_NOTATOOL: '/bin/true', HOME: '/root', PATH: '/usr/bin' });
    assert.equal(config.port, 8080);
    assert.deepEqual(config.bins, {});
  });
});

describe('bad values', () => {
  it('each is a ConfigError naming the variable', () => {
    refuses({ OMNIC_PORT: '99999' }, 'OMNIC_PORT');
    refuses({ OMNIC_PORT: 'http' }, 'OMNIC_PORT');
    refuses({ OMNIC_CONCURRENCY: '0' }, 'OMNIC_CONCURRENCY');
    refuses({ OMNIC_CONCURRENCY: '1.5' }, 'OMNIC_CONCURRENCY');
    refuses({ OMNIC_LOG_FORMAT: 'xml' }, 'OMNIC_LOG_FORMAT');
    refuses({ OMNIC_LOG_LEVEL: 'loud' }, 'OMNIC_LOG_LEVEL');
    refuses({ OMNIC_CACHE_MAX_BYTES: 'lots' }, 'OMNIC_CACHE_MAX_BYTES');
    refuses({ OMNIC_CACHE_MAX_BYTES: '0' }, 'OMNIC_CACHE_MAX_BYTES');
    refuses({ OMNIC_QUEUE_SIZE: '-1' }, 'OMNIC_QUEUE_SIZE');
    refuses({ OMNIC_METRICS_PORT: '70000' }, 'OMNIC_METRICS_PORT');
  });

  it('several bad values are all reported', () => {
    assert.throws(
      () => loadConfig({ OMNIC_PORT: '99999', OMNIC_LOG_FORMAT: 'xml' }),
      (err: unknown) => err instanceof ConfigError && err.message.includes('OMNIC_PORT') && err.message.includes('OMNIC_LOG_FORMAT'),
    );
  });

  it('a secret in a bad neighbour is never echoed', () => {
    assert.throws(
      () => loadConfig({ OMNIC_SIGNING_KEYS: 'top-secret-key', OMNIC_PORT: '99999' }),
      (err: unknown) => err instanceof ConfigError && !err.message.includes('top-secret-key'),
    );
  });
});

describe('tool overrides', () => {
  it('OMNIC_BIN_<NAME> exists for each tool name passed in', () => {
    const config = loadConfig({ OMNIC_BIN_PDFTOPPM: '/opt/poppler/bin/pdftoppm' }, ['pdftoppm', 'ffmpegthumbnailer', 'gs']);
    assert.deepEqual({ ...config.bins }, { pdftoppm: '/opt/poppler/bin/pdftoppm', ffmpegthumbnailer: '', gs: '' });
  });

  it('tool names with punctuation become upper-case underscores', () => {
    const config = loadConfig({ OMNIC_BIN_XVFB_RUN: '/usr/bin/xvfb-run' }, ['xvfb-run']);
    assert.equal(config.bins['xvfb-run'], '/usr/bin/xvfb-run');
  });

  it('configEnvNames lists every variable, including the tool overrides', () => {
    const names = configEnvNames(['pdftoppm']);
    for (const name of ['OMNIC_PROFILE', 'OMNIC_PORT', 'OMNIC_CACHE_MAX_BYTES', 'OMNIC_ALLOWED_HOSTS', 'OMNIC_SIGNING_KEYS', 'OMNIC_LOG_FORMAT', 'OMNIC_LIBREOFFICE_POOL_SIZE', 'OMNIC_BIN_PDFTOPPM']) {
      assert.ok(names.includes(name), `${name} missing from configEnvNames`);
    }
    assert.equal(new Set(names).size, names.length, 'duplicate env names');
    assert.ok(names.every((name) => /^OMNIC_[A-Z0-9_]+$/.test(name)));
    assert.ok(!configEnvNames().includes('OMNIC_BIN_PDFTOPPM'));
  });
});
