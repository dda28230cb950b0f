/**
 * Internal: worker_threads entry of the GNN training pool. Receives the architecture and the labelled structures
 * once (workerData), then per message the parameters, its share of a batch and the per-species loss weights, and
 * answers with the loss and the parameter gradient of that share.
 */
import { parentPort, workerData } from "node:worker_threads";
import { type LabelledSet, lossAndGrad } from "./_loss.js";
import { type ArchSpec, Network } from "./network.js";

interface Job {
  id: number;
  params: Float64Array;
  part: number[];
  weights: Float64Array;
  wantGrad: boolean;
}

const init = workerData as { arch: ArchSpec; data: LabelledSet };
const net = new Network(init.arch);
const port = parentPort!;
port.on("message", (j: Job) => {
  try {
    const grad = j.wantGrad ? new Float64Array(net.nParams) : null;
    const loss = lossAndGrad(net, j.params, init.data, j.part, j.weights, grad);
    port.postMessage({ id: j.id, ok: true, loss, grad }, grad ? [grad.buffer] : []);
  } catch (e) {
    port.postMessage({ id: j.id, ok: false, error: String((e as Error)?.stack ?? e) });
  }
});
port.postMessage({ id: 0, ok: true, ready: true });
