// GPU buffer pool keyed by size class. Freed tensors return their buffer here; a training step that
// allocates the same shapes every step therefore reuses the same buffers and memory stays flat.

export const STORAGE_USAGE = 0x80 /* STORAGE */ | 0x4 /* COPY_SRC */ | 0x8 /* COPY_DST */;

/** Size classes 256, 384, 512, 768, 1024, 1536, ...: at most a third of a buffer is slack. */
export function sizeClass(bytes: number): number {
  const b = Math.max(256, Math.ceil(bytes / 4) * 4);
  const p = 2 ** Math.ceil(Math.log2(b));
  return b <= p * 0.75 ? p * 0.75 : p;
}

export interface PoolStats {
  /** buffers handed out and not yet released */
  liveBuffers: number;
  liveBytes: number;
  /** buffers waiting in the pool for reuse */
  freeBuffers: number;
  freeBytes: number;
  /** every byte the pool holds from the device (live + free) */
  allocatedBytes: number;
  peakAllocatedBytes: number;
  /** createBuffer calls so far */
  creations: number;
}

export class BufferPool {
  private free = new Map<number, GPUBuffer[]>();
  private live = new Set<GPUBuffer>();
  private stats_: PoolStats = { liveBuffers: 0, liveBytes: 0, freeBuffers: 0, freeBytes: 0, allocatedBytes: 0, peakAllocatedBytes: 0, creations: 0 };
  /** test hook: sees every buffer handed out (checks fill it with NaN so an element a kernel never writes shows up) */
  onAcquire: ((buf: GPUBuffer) => void) | null = null;

  constructor(
    private device: GPUDevice,
    private maxBufferSize: number,
    /** called with buffers to destroy once no pending command can use them */
    private retire: (b: GPUBuffer) => void,
  ) {}

  acquire(bytes: number, label?: string): GPUBuffer {
    // near the adapter's maximum the size class may not fit: take the exact size instead
    let size = sizeClass(bytes);
    if (size > this.maxBufferSize && bytes <= this.maxBufferSize) size = Math.ceil(bytes / 4) * 4;
    const reused = this.free.get(size)?.pop();
    if (reused) {
      this.stats_.freeBuffers--;
      this.stats_.freeBytes -= size;
    }
    const buf = reused ?? this.create(size, label);
    this.live.add(buf);
    this.stats_.liveBuffers++;
    this.stats_.liveBytes += buf.size;
    this.onAcquire?.(buf);
    return buf;
  }

  private create(size: number, label?: string): GPUBuffer {
    if (size > this.maxBufferSize) {
      throw new Error(`buffer of ${size} bytes exceeds the adapter's maxBufferSize (${this.maxBufferSize} bytes)`);
    }
    const buf = this.device.createBuffer({ size, usage: STORAGE_USAGE, label });
    this.stats_.creations++;
    this.stats_.allocatedBytes += size;
    this.stats_.peakAllocatedBytes = Math.max(this.stats_.peakAllocatedBytes, this.stats_.allocatedBytes);
    return buf;
  }

  release(buf: GPUBuffer): void {
    if (!this.live.delete(buf)) throw new Error(`buffer '${buf.label}' released twice or not from this pool`);
    this.stats_.liveBuffers--;
    this.stats_.liveBytes -= buf.size;
    let list = this.free.get(buf.size);
    if (!list) this.free.set(buf.size, (list = []));
    list.push(buf);
    this.stats_.freeBuffers++;
    this.stats_.freeBytes += buf.size;
  }

  /** Destroys every free buffer (live ones are untouched). */
  trim(): void {
    for (const list of this.free.values()) for (const b of list) {
      this.stats_.allocatedBytes -= b.size;
      this.retire(b);
    }
    this.free.clear();
    this.stats_.freeBuffers = 0;
    this.stats_.freeBytes = 0;
  }

  stats(): PoolStats {
    return { ...this.stats_ };
  }
}
