// Reported mistakes exported as a training set, and the options' validation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { datasetZip } from '../../src/lib/dataset.js';
import { normalizeSettings, settingsProblem } from '../../src/lib/settings.js';

const report = (hash, label, extra = {}) => ({
  hash, ext: 'jpg', bytes: new Uint8Array([0xff, 0xd8, 0xff, hash.length]), label,
  probability: 0.8, verdict: 'ai', model: 'm 1', pageUrl: 'https://x.test/a,b', reported: '2026-12-03T00:00:00Z', ...extra,
});

test('the dataset zip: train_data/ images and train.csv (,file_name,label; 1 = AI), one row per image', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dataset-'));
  try {
    const zip = datasetZip([report('aa', 'human'), report('bb', 'ai', { ext: 'png' }), report('aa', 'ai')]);
    writeFileSync(join(dir, 'r.zip'), zip);
    execFileSync('unzip', ['-q', join(dir, 'r.zip'), '-d', join(dir, 'out')]);
    assert.equal(readFileSync(join(dir, 'out/train.csv'), 'utf8'), ',file_name,label\n0,train_data/aa.jpg,1\n1,train_data/bb.png,1\n');
    assert.deepEqual([...readFileSync(join(dir, 'out/train_data/aa.jpg'))], [0xff, 0xd8, 0xff, 2]);
    assert.match(readFileSync(join(dir, 'out/metadata.csv'), 'utf8'), /train_data\/bb\.png,1,0\.8,ai,m 1,"https:\/\/x\.test\/a,b",2026/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('settings that cannot work are named: a server mode or sending reports without a server URL', () => {
  assert.equal(settingsProblem(normalizeSettings({})), null);
  assert.match(settingsProblem(normalizeSettings({ mode: 'server' })), /needs a server URL/);
  assert.match(settingsProblem(normalizeSettings({ mode: 'fallback', serverUrl: 'ftp://x' })), /http/);
  assert.match(settingsProblem(normalizeSettings({ sendReports: true })), /needs a server URL/);
  assert.equal(settingsProblem(normalizeSettings({ mode: 'server', serverUrl: 'http://127.0.0.1:8080' })), null);
});
