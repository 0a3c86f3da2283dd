// The content script's own work on the page's main thread, timed task by task in test builds.
// Every callback the browser runs for the content script (events, observers, timers, frames,
// messages, answers from the background) goes through `timed`, so the browser tests and the
// page benchmark can read how long its longest task was in Chromium and Firefox alike:
// Firefox has no 'longtask' entries, and Chromium's cannot say whose work a long task was.
// In release builds `timed` returns the callback itself and nothing is measured.

const LONG_TASK_MS = 50;

const stats = { tasks: 0, totalMs: 0, longestMs: 0, overLimit: 0 };

/** `callback`, timed each time it runs (test builds only). */
export function timed(callback) {
  if (!TEST_BUILD) return callback;
  return function timedTask(...args) {
    const start = performance.now();
    try {
      return callback.apply(this, args);
    } finally {
      const ms = performance.now() - start;
      stats.tasks++;
      stats.totalMs += ms;
      if (ms > stats.longestMs) stats.longestMs = ms;
      if (ms > LONG_TASK_MS) stats.overLimit++;
    }
  };
}

/** What has been measured so far: task count, total and longest milliseconds, tasks over 50 ms. */
export function taskStats() {
  return { ...stats, totalMs: Math.round(stats.totalMs), longestMs: Math.round(stats.longestMs * 10) / 10, limitMs: LONG_TASK_MS };
}
