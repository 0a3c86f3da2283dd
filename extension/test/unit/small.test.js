// verdict rule, sniffing, page-image helpers, zip writer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verdict, verdictLabel, formatProbability } from '../../src/lib/verdict.js';
import { sniffImage } from '../../src/lib/sniff.js';
import {
  cssBackgroundUrl, isSvgUrl, isScorableUrl, isBigEnough, inViewport, badgePosition, clipRect, cornerInset,
} from '../../src/lib/pageimages.js';
import { crc32, zipDirectory } from '../../scripts/zip.mjs';

test('verdict rule of docs/bundle.md: high edge is ai, low edge is unsure', () => {
  const band = [0.3, 0.7];
  assert.equal(verdict(0.7, band), 'ai');
  assert.equal(verdict(0.69, band), 'unsure');
  assert.equal(verdict(0.3, band), 'unsure');
  assert.equal(verdict(0.2999, band), 'human');
  assert.equal(verdict(0.5, [0.5, 0.5]), 'ai');
  assert.equal(verdictLabel('ai'), 'AI');
  assert.equal(verdictLabel('human'), 'Human');
  assert.equal(verdictLabel('unsure'), 'Unsure');
});

test('probabilities print as percentages, never 0% or 100%', () => {
  assert.equal(formatProbability(0.8734), '87%');
  assert.equal(formatProbability(0.01), '1%');
  assert.equal(formatProbability(0.99), '99%');
  assert.equal(formatProbability(0.004), '<1%');
  assert.equal(formatProbability(0), '<1%');
  assert.equal(formatProbability(0.9994), '>99%');
  assert.equal(formatProbability(1), '>99%');
});

const bytes = (...b) => new Uint8Array([...b, ...new Array(20).fill(0)]).buffer;
const text = (s) => new TextEncoder().encode(s).buffer;

test('images are recognised from their bytes, not their content type', () => {
  assert.equal(sniffImage(bytes(0xff, 0xd8, 0xff, 0xe0), 'text/plain'), 'jpeg');
  assert.equal(sniffImage(bytes(0x89, 0x50, 0x4e, 0x47), ''), 'png');
  assert.equal(sniffImage(text('GIF89a....'), 'image/png'), 'gif');
  assert.equal(sniffImage(text('BM......'), ''), 'bmp');
  assert.equal(sniffImage(text('RIFF\0\0\0\0WEBPVP8 '), ''), 'webp');
  assert.equal(sniffImage(text('\0\0\0\x1cftypavif'), ''), 'avif');
  assert.equal(sniffImage(text('<svg xmlns="http://www.w3.org/2000/svg"/>'), 'image/svg+xml'), 'svg');
  assert.equal(sniffImage(text('  <?xml version="1.0"?><svg/>'), ''), 'svg');
  assert.equal(sniffImage(text('<!doctype html><html>'), 'text/html'), null);
  assert.equal(sniffImage(text('\x00\x01weird'), 'image/x-new'), 'other');
});

test('CSS background-image values', () => {
  assert.equal(cssBackgroundUrl('url("https://a.b/c.jpg")'), 'https://a.b/c.jpg');
  assert.equal(cssBackgroundUrl("url('x.png'), linear-gradient(red, blue)"), 'x.png');
  assert.equal(cssBackgroundUrl('linear-gradient(red, blue), url(y.webp)'), 'y.webp');
  assert.equal(cssBackgroundUrl('url("a\\"b.jpg")'), 'a"b.jpg');
  assert.equal(cssBackgroundUrl('none'), null);
  assert.equal(cssBackgroundUrl('linear-gradient(red, blue)'), null);
});

test('which URLs can be scored', () => {
  assert.equal(isScorableUrl('https://x.org/a.jpg'), true);
  assert.equal(isScorableUrl('data:image/png;base64,AAAA'), true);
  assert.equal(isScorableUrl('blob:https://x.org/1234'), true);
  assert.equal(isScorableUrl('https://x.org/logo.svg?v=2'), false);
  assert.equal(isScorableUrl('data:image/svg+xml;utf8,<svg/>'), false);
  assert.equal(isScorableUrl('chrome://favicon/x'), false);
  assert.equal(isScorableUrl(''), false);
  assert.equal(isSvgUrl('/icons/a.svgz#x'), true);
  assert.equal(isSvgUrl('/img/svg-guide.png'), false);
});

test('size threshold and viewport tests', () => {
  assert.equal(isBigEnough(100, 100, 100), true);
  assert.equal(isBigEnough(300, 98, 100), true, 'by area, not each side');
  assert.equal(isBigEnough(99, 99, 100), false);
  assert.equal(isBigEnough(24, 24, 100), false, 'icons');
  assert.equal(isBigEnough(1400, 20, 100), false, 'thin strips');
  const rect = { left: 10, top: 900, right: 110, bottom: 1000, width: 100, height: 100 };
  assert.equal(inViewport(rect, 800, 800), false);
  assert.equal(inViewport(rect, 800, 800, 200), true);
  assert.equal(inViewport({ ...rect, width: 0 }, 800, 800, 2000), false);
});

test('badges sit in the chosen corner and stay on screen', () => {
  const rect = { left: 100, top: 100, right: 400, bottom: 300, width: 300, height: 200 };
  assert.deepEqual(badgePosition(rect, 'top-left', 60, 18, 1000, 800), { x: 104, y: 104 });
  assert.deepEqual(badgePosition(rect, 'bottom-right', 60, 18, 1000, 800), { x: 336, y: 278 });
  // Image scrolled half out of the top of the viewport: the badge stays visible.
  const scrolled = { ...rect, top: -100, bottom: 100 };
  assert.deepEqual(badgePosition(scrolled, 'top-left', 60, 18, 1000, 800), { x: 104, y: 4 });
});

test('crc32 and the zip writer (checked with unzip)', () => {
  assert.equal(crc32(Buffer.from('123456789')), 0xcbf43926);
  const dir = mkdtempSync(join(tmpdir(), 'zip-test-'));
  try {
    mkdirSync(join(dir, 'in/sub'), { recursive: true });
    writeFileSync(join(dir, 'in/a.txt'), 'hello '.repeat(100));
    writeFileSync(join(dir, 'in/sub/b.bin'), Buffer.from([1, 2, 3]));
    zipDirectory(join(dir, 'in'), join(dir, 'out.zip'));
    let listing;
    try {
      listing = execFileSync('unzip', ['-t', join(dir, 'out.zip')], { encoding: 'utf8' });
    } catch (error) {
      if (error.code === 'ENOENT') return; // no unzip on this machine
      throw error;
    }
    assert.match(listing, /a\.txt\s+OK/);
    assert.match(listing, /sub\/b\.bin\s+OK/);
    assert.match(listing, /No errors detected/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the visible part of a clipped image, and the inset of a rounded corner', () => {
  // A 400 x 300 photo shifted 80 px left and 60 px up inside a 200 x 150 box.
  const image = { left: -70, top: -40, right: 330, bottom: 260, width: 400, height: 300 };
  const box = { left: 10, top: 20, right: 210, bottom: 170 };
  assert.deepEqual(clipRect(image, [box]), { left: 10, top: 20, right: 210, bottom: 170, width: 200, height: 150 });
  assert.equal(clipRect(image, [{ left: 500, top: 0, right: 600, bottom: 100 }]).width, 0);
  assert.deepEqual(clipRect(image, []), { ...image });
  assert.equal(cornerInset(0), 0);
  assert.equal(cornerInset(100), 30);
});
