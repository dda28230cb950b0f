/**
 * Internal: a pool of worker_threads that evaluate the GNN loss and gradient over shares of a batch (structures
 * split round-robin), started on the entry _trainWorker (src/math/_workerEntry.ts: .js in builds, .ts with tsx's
 * loader under TypeScript sources). `create` resolves to null when workers cannot start (the caller then
 * trains in one thread and says so).
 */
import type { Worker } from "node:worker_threads";
import { startWorker } from "../math/_workerEntry.js";
import type { LabelledSet } from "./_loss.js";
import type { ArchSpec } from "./network.js";

interface Reply {
  id: number;
  ok: boolean;
  loss?: number;
  grad?: Float64Array | null;
  error?: string;
  ready?: boolean;
}

export class GnnPool {
  private readonly workers: Worker[];
  private nextId = 1;

  private constructor(workers: Worker[]) {
    this.workers = workers;
  }

  static async create(n: number, arch: ArchSpec, data: LabelledSet): Promise<GnnPool | null> {
    const workers: Worker[] = [];
    try {
      for (let k = 0; k < n; k++)
        workers.push(startWorker(import.meta.url, "_trainWorker", { workerData: { arch, data } }));
      await Promise.all(
        workers.map(
          (w) =>
            new Promise<void>((resolve, reject) => {
              w.once("message", (m: Reply) =>
                m.ready ? resolve() : reject(new Error("worker did not start")),
              );
              w.once("error", reject);
            }),
        ),
      );
      return new GnnPool(workers);
    } catch {
      await Promise.all(workers.map((w) => w.terminate()));
      return null;
    }
  }

  get size(): number {
    return this.workers.length;
  }

  /** Loss and (optionally) summed gradient over `batch`, split round-robin over the workers. */
  async run(
    params: Float64Array,
    batch: readonly number[],
    weights: Float64Array,
    grad: Float64Array | null,
  ): Promise<number> {
    const parts: number[][] = this.workers.map(() => []);
    for (let k = 0; k < batch.length; k++) parts[k % parts.length]!.push(batch[k]!);
    const replies = await Promise.all(
      this.workers.map((w, k) => {
        if (parts[k]!.length === 0) return Promise.resolve<Reply>({ id: 0, ok: true, loss: 0, grad: null });
        const id = this.nextId++;
        return new Promise<Reply>((resolve, reject) => {
          const onMsg = (m: Reply) => {
            if (m.id !== id) return;
            w.off("message", onMsg);
            w.off("error", onErr);
            resolve(m);
          };
          const onErr = (e: Error) => {
            w.off("message", onMsg);
            reject(e);
          };
          w.on("message", onMsg);
          w.once("error", onErr);
          w.postMessage({ id, params, part: parts[k], weights, wantGrad: grad !== null });
        });
      }),
    );
    let loss = 0;
    for (const r of replies) {
      if (!r.ok) throw new Error(`GNN worker failed: ${r.error}`);
      loss += r.loss ?? 0;
      if (grad && r.grad) for (let q = 0; q < grad.length; q++) grad[q]! += r.grad[q]!;
    }
    return loss;
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
