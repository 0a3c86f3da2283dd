// How much the provenance reader may read and for how long (as provenance/limits.py).

const MIB = 1024 * 1024;

/**
 * @typedef {object} Limits
 * @property {number} maxScanBytes only this many leading bytes are read
 * @property {number} maxBlockBytes one XMP packet, PNG text chunk or EXIF block
 * @property {number} maxC2paBytes C2PA validation is skipped for bigger files
 * @property {number} maxSeconds the whole read, C2PA validation included
 * @property {number} maxItems JPEG segments, PNG or RIFF chunks walked
 * @property {number} maxStealthPixels PNGs decoded for alpha-channel metadata
 */
export const DEFAULT_LIMITS = Object.freeze({
  maxScanBytes: 16 * MIB,
  maxBlockBytes: 1 * MIB,
  maxC2paBytes: 16 * MIB,
  maxSeconds: 2.0,
  maxItems: 10000,
  maxStealthPixels: 4096 * 4096,
});

/** A deadline shared by the steps of one read. */
export class Budget {
  constructor(seconds, now = () => performance.now()) {
    this.now = now;
    this.deadline = now() + seconds * 1000;
  }

  /** Milliseconds left (never negative). */
  remaining() {
    return Math.max(this.deadline - this.now(), 0);
  }

  expired() {
    return this.now() >= this.deadline;
  }
}
