import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WorkQueue, PRIORITY, CancelledError } from '../../src/lib/queue.js';
import { LruCache } from '../../src/lib/lru.js';

function deferred() {
  let resolve;
  const promise = new Promise((r) => (resolve = r));
  return { promise, resolve };
}

test('runs by priority, then by arrival, never more than the concurrency', async () => {
  const order = [];
  let running = 0;
  let peak = 0;
  const gate = deferred();
  const queue = new WorkQueue({
    concurrency: 2,
    run: async (payload) => {
      running++;
      peak = Math.max(peak, running);
      order.push(payload);
      if (payload === 'first') await gate.promise;
      await new Promise((r) => setTimeout(r, 1));
      running--;
      return payload;
    },
  });
  const jobs = [
    queue.push('a', 'first', { priority: PRIORITY.NEAR }),
    queue.push('b', 'near-1', { priority: PRIORITY.NEAR }),
    queue.push('c', 'near-2', { priority: PRIORITY.NEAR }),
    queue.push('d', 'visible', { priority: PRIORITY.VISIBLE }),
    queue.push('e', 'menu', { priority: PRIORITY.CONTEXT_MENU }),
  ];
  gate.resolve();
  const results = await Promise.all(jobs);
  assert.deepEqual(results, ['first', 'near-1', 'near-2', 'visible', 'menu']);
  // 'first' and 'near-1' started at once; then the best waiting ones.
  assert.deepEqual(order, ['first', 'near-1', 'menu', 'visible', 'near-2']);
  assert.equal(peak, 2);
});

test('the same key runs once; a better priority is kept', async () => {
  let runs = 0;
  const queue = new WorkQueue({ concurrency: 1, run: async (p) => { runs++; return p; } });
  const blocker = queue.push('x', 'x');
  const a = queue.push('k', 'one', { priority: PRIORITY.NEAR, tabId: 1 });
  const b = queue.push('k', 'two', { priority: PRIORITY.CONTEXT_MENU, tabId: 2 });
  assert.equal(queue.pending.get('k').priority, PRIORITY.CONTEXT_MENU);
  assert.equal(await a, 'one');
  assert.equal(await b, 'one');
  await blocker;
  assert.equal(runs, 2);
});

test('closing a tab drops the work only it wanted', async () => {
  const gate = deferred();
  const queue = new WorkQueue({ concurrency: 1, run: async (p) => { await gate.promise; return p; } });
  const running = queue.push('r', 'r', { tabId: 1 });
  const mine = queue.push('m', 'm', { tabId: 1 });
  const shared = queue.push('s', 's', { tabId: 1 });
  queue.push('s', 's', { tabId: 2 });
  const other = queue.push('o', 'o', { tabId: 2 });
  assert.equal(queue.cancelTab(1), 1);
  await assert.rejects(mine, CancelledError);
  gate.resolve();
  assert.equal(await running, 'r'); // already running: finishes
  assert.equal(await shared, 's');
  assert.equal(await other, 'o');
  assert.equal(queue.size, 0);
});

test('a failing job rejects its callers and the queue goes on', async () => {
  const queue = new WorkQueue({ concurrency: 1, run: async (p) => { if (p === 'bad') throw new Error('boom'); return p; } });
  await assert.rejects(queue.push('1', 'bad'), /boom/);
  assert.equal(await queue.push('2', 'good'), 'good');
});

test('LRU cache evicts the least recently used entry', () => {
  const cache = new LruCache(2);
  cache.set('a', 1).set('b', 2);
  assert.equal(cache.get('a'), 1); // a is now the most recent
  cache.set('c', 3);
  assert.equal(cache.has('b'), false);
  assert.equal(cache.get('a'), 1);
  assert.equal(cache.get('c'), 3);
  assert.equal(cache.size, 2);
  cache.clear();
  assert.equal(cache.size, 0);
});
