// One work queue: priorities, a small concurrency, de-duplication by key and dropping the
// work of closed tabs.
//
// Lower priority numbers run first (0: right-clicked, 1: visible, 2: near the viewport).
// A job asked for twice runs once; both callers get its result, at the better priority.
// cancelTab(id) rejects the queued jobs that only that tab wanted; running jobs finish
// (their result still fills the cache).

export const PRIORITY = Object.freeze({ CONTEXT_MENU: 0, VISIBLE: 1, NEAR: 2 });

export class CancelledError extends Error {
  constructor(message = 'cancelled') {
    super(message);
    this.name = 'CancelledError';
  }
}

export class WorkQueue {
  /**
   * @param {{concurrency?: number, run: (payload: any, key: string) => Promise<any>}} options
   */
  constructor({ concurrency = 2, run }) {
    this.concurrency = concurrency;
    this.runJob = run;
    this.pending = new Map(); // key -> job, waiting
    this.running = new Map(); // key -> job, started
    this.seq = 0;
  }

  /** Queue `payload` under `key`; resolves with the job's result. */
  push(key, payload, { priority = PRIORITY.NEAR, tabId = null } = {}) {
    const existing = this.pending.get(key) ?? this.running.get(key);
    if (existing) {
      existing.priority = Math.min(existing.priority, priority);
      existing.tabs.add(tabId);
      return existing.promise;
    }
    const job = { key, payload, priority, seq: this.seq++, tabs: new Set([tabId]) };
    job.promise = new Promise((resolve, reject) => {
      job.resolve = resolve;
      job.reject = reject;
    });
    this.pending.set(key, job);
    this.pump();
    return job.promise;
  }

  /** Drop queued work wanted only by this tab. Returns how many jobs were dropped. */
  cancelTab(tabId) {
    let dropped = 0;
    for (const job of [...this.pending.values()]) {
      job.tabs.delete(tabId);
      if (job.tabs.size === 0) {
        this.pending.delete(job.key);
        job.reject(new CancelledError(`tab ${tabId} closed`));
        dropped++;
      }
    }
    return dropped;
  }

  get size() {
    return this.pending.size + this.running.size;
  }

  next() {
    let best = null;
    for (const job of this.pending.values()) {
      if (!best || job.priority < best.priority || (job.priority === best.priority && job.seq < best.seq)) {
        best = job;
      }
    }
    return best;
  }

  pump() {
    while (this.running.size < this.concurrency && this.pending.size > 0) {
      const job = this.next();
      this.pending.delete(job.key);
      this.running.set(job.key, job);
      const settle = (fn) => (value) => {
        this.running.delete(job.key);
        fn(value);
        this.pump();
      };
      Promise.resolve()
        .then(() => this.runJob(job.payload, job.key))
        .then(settle(job.resolve), settle(job.reject));
    }
  }
}
