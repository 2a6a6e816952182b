/** A growable circular deque: O(1) at both ends, so the publish buffer never shifts a 10k-element array. */
export class RingQueue<T> {
  private items: Array<T | undefined>;
  private head = 0;
  private size = 0;

  constructor(initialCapacity = 64) {
    this.items = new Array<T | undefined>(Math.max(2, initialCapacity));
  }

  get length(): number {
    return this.size;
  }

  pushBack(item: T): void {
    this.ensureRoom();
    this.items[(this.head + this.size) % this.items.length] = item;
    this.size++;
  }

  /** Puts items back at the front, keeping their order (items[0] becomes the new head). */
  pushFront(items: readonly T[]): void {
    for (let i = items.length - 1; i >= 0; i--) {
      this.ensureRoom();
      this.head = (this.head - 1 + this.items.length) % this.items.length;
      this.items[this.head] = items[i];
      this.size++;
    }
  }

  shift(): T | undefined {
    if (this.size === 0) return undefined;
    const item = this.items[this.head];
    this.items[this.head] = undefined;
    this.head = (this.head + 1) % this.items.length;
    this.size--;
    return item;
  }

  /** Removes and returns up to n items from the front. */
  take(n: number): T[] {
    const out: T[] = [];
    while (out.length < n && this.size > 0) out.push(this.shift() as T);
    return out;
  }

  private ensureRoom(): void {
    if (this.size < this.items.length) return;
    const grown = new Array<T | undefined>(this.items.length * 2);
    for (let i = 0; i < this.size; i++) grown[i] = this.items[(this.head + i) % this.items.length];
    this.items = grown;
    this.head = 0;
  }
}
