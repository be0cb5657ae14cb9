/**
 * The loss per epoch at a bounded resolution: every epoch up to `capacity` epochs; past that, adjacent
 * buckets merge pairwise (so a bucket spans 2, 4, 8, … epochs) and each keeps the loss at its first epoch
 * and the lowest and highest loss within it. Memory is fixed when the history is made, so any run that
 * the epoch limit allows can be recorded, plotted and written as JSON.
 */
export class LossHistory {
  /** Epochs per bucket: 1 while the run is short, then a power of two. */
  private every = 1;
  private count = 0;
  private readonly first: Float64Array;
  private readonly min: Float64Array;
  private readonly max: Float64Array;

  /** capacity must be even so buckets merge in pairs. */
  constructor(readonly capacity = 10_000) {
    if (!(Number.isSafeInteger(capacity) && capacity >= 2 && capacity % 2 === 0)) {
      throw new RangeError(`capacity: expected an even integer ≥ 2, got ${capacity}`);
    }
    this.first = new Float64Array(capacity);
    this.min = new Float64Array(capacity);
    this.max = new Float64Array(capacity);
  }

  /** Records the next epoch's loss. */
  push(loss: number): void {
    if (this.count === this.capacity * this.every) this.halve();
    const bucket = Math.floor(this.count / this.every);
    if (this.count % this.every === 0) {
      this.first[bucket] = loss;
      this.min[bucket] = loss;
      this.max[bucket] = loss;
    } else {
      // Math.min/max would let one NaN poison the bucket; comparisons skip it.
      if (loss < this.min[bucket]) this.min[bucket] = loss;
      if (loss > this.max[bucket]) this.max[bucket] = loss;
    }
    this.count++;
  }

  private halve(): void {
    const half = this.capacity / 2;
    for (let i = 0; i < half; i++) {
      this.first[i] = this.first[2 * i];
      this.min[i] = Math.min(this.min[2 * i], this.min[2 * i + 1]);
      this.max[i] = Math.max(this.max[2 * i], this.max[2 * i + 1]);
    }
    this.every *= 2;
  }

  /**
   * Copies of the recorded buckets. While every epoch is kept, `epochs` cuts the history to the epochs
   * the caller reports (a failed run keeps fewer than it measured); once downsampled, all buckets are given.
   */
  read(epochs = this.count): { losses: Float64Array; lossEvery: number; lossMin: Float64Array; lossMax: Float64Array } {
    const buckets = this.every === 1 ? Math.min(epochs, this.count) : Math.ceil(this.count / this.every);
    return {
      losses: this.first.slice(0, buckets),
      lossEvery: this.every,
      lossMin: this.min.slice(0, buckets),
      lossMax: this.max.slice(0, buckets),
    };
  }
}
