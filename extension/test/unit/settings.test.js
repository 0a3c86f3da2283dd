import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DEFAULTS, normalizeSettings, parseSiteList, badgesEnabledFor, isListed, toggleSite,
} from '../../src/lib/settings.js';

test('defaults: local mode, badges on, nothing sent anywhere', () => {
  const s = normalizeSettings();
  assert.deepEqual(s, { ...DEFAULTS });
  assert.equal(s.mode, 'local');
  assert.equal(s.serverUrl, '');
});

test('invalid values fall back to defaults, valid ones are kept', () => {
  const s = normalizeSettings({ mode: 'cloud', minSize: 'abc', badges: 'yes', badgePosition: 'middle', extra: 1 });
  assert.equal(s.mode, 'local');
  assert.equal(s.minSize, DEFAULTS.minSize);
  assert.equal(s.badges, true);
  assert.equal(s.badgePosition, 'top-left');
  assert.equal('extra' in s, false);
  const t = normalizeSettings({ mode: 'fallback', minSize: '64.4', serverUrl: ' http://x:1 ', badgePosition: 'bottom-right' });
  assert.equal(t.mode, 'fallback');
  assert.equal(t.minSize, 64);
  assert.equal(t.serverUrl, 'http://x:1');
  assert.equal(t.badgePosition, 'bottom-right');
});

test('site lists accept hosts and URLs, drop duplicates', () => {
  assert.deepEqual(parseSiteList('Example.com\nhttps://news.site.org/a/b, example.com\n\n'), ['example.com', 'news.site.org']);
});

test('a listed site disables its sub-domains too', () => {
  assert.equal(isListed(['example.com'], 'www.example.com'), true);
  assert.equal(isListed(['example.com'], 'notexample.com'), false);
  const s = normalizeSettings({ disabledSites: ['example.com'] });
  assert.equal(badgesEnabledFor(s, 'img.example.com'), false);
  assert.equal(badgesEnabledFor(s, 'other.org'), true);
  assert.equal(badgesEnabledFor({ ...s, badges: false }, 'other.org'), false);
});

test('toggling a site', () => {
  assert.deepEqual(toggleSite([], 'a.com', false), ['a.com']);
  assert.deepEqual(toggleSite(['a.com', 'b.com'], 'a.com', true), ['b.com']);
  assert.deepEqual(toggleSite(['example.com'], 'www.example.com', true), []);
});
