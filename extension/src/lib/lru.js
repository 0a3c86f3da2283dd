// A small least-recently-used map: the per-session result cache (by URL and by content hash).

export class LruCache {
  constructor(maxEntries = 1000) {
    this.max = maxEntries;
    this.map = new Map();
  }

  get(key) {
    if (!this.map.has(key)) return undefined;
    const value = this.map.get(key);
    this.map.delete(key); // re-insert: Map keeps insertion order, oldest first
    this.map.set(key, value);
    return value;
  }

  has(key) {
    return this.map.has(key);
  }

  set(key, value) {
    this.map.delete(key);
    this.map.set(key, value);
    while (this.map.size > this.max) this.map.delete(this.map.keys().next().value);
    return this;
  }

  clear() {
    this.map.clear();
  }

  get size() {
    return this.map.size;
  }
}
