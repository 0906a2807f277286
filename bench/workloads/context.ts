/** What every workload gets: the options, the data generator and the progress reporter. */
import type { CpuSample } from '../cpu.js';
import type { DataGenerator, DataSet } from '../data.js';
import type { BenchOptions } from '../options.js';
import type { Progress } from '../progress.js';

/** The shared state of one benchmark run. */
export interface BenchContext {
  options: BenchOptions;
  data: DataGenerator;
  progress: Progress;
  /** Keys 0 … keys-1 and their values: the data set most workloads use. */
  dataSet: DataSet;
  /** CPU time used so far by the client and the system being measured, when it can be sampled. */
  cpu?: () => Promise<CpuSample>;
}
