import { Rng } from '../rng.js';
import { tf } from '../tf.js';

let variableCounter = 0;

export type Init = 'glorot' | 'zeros' | 'ones' | { normal: number };

/**
 * Named trainable variables. Names carry the owner as a prefix ("stem/city/…", "encoder/…",
 * "head/traffic/…", "pool/traffic/…") so strategies, telemetry and save/load can tell shared
 * parameters from task-specific ones without a module tree.
 */
export class ParamStore {
  private readonly vars = new Map<string, tf.Variable>();
  private readonly rng: Rng;

  constructor(seed: number) {
    this.rng = new Rng(seed);
  }

  add(name: string, shape: number[], init: Init): tf.Variable {
    if (this.vars.has(name)) throw new Error(`duplicate parameter ${name}`);
    const size = shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(size);
    if (init === 'ones') data.fill(1);
    else if (init === 'glorot') {
      // Seeded in JS rather than with tf.randomNormal: the backends' RNGs differ, ours does not.
      const fanIn = shape.length > 1 ? shape.slice(0, -1).reduce((a, b) => a * b, 1) : shape[0] ?? 1;
      const fanOut = shape[shape.length - 1] ?? 1;
      const limit = Math.sqrt(6 / (fanIn + fanOut));
      for (let i = 0; i < size; i++) data[i] = (2 * this.rng.next() - 1) * limit;
    } else if (typeof init === 'object') {
      for (let i = 0; i < size; i++) data[i] = this.rng.normal() * init.normal;
    }
    // tfjs variable names are global to the engine: a counter keeps two models in one process apart.
    const v = tf.variable(tf.tensor(data, shape), true, `${name}#${++variableCounter}`);
    this.vars.set(name, v);
    return v;
  }

  get(name: string): tf.Variable {
    const v = this.vars.get(name);
    if (!v) throw new Error(`no parameter ${name}`);
    return v;
  }

  /** Parameter names in a stable (sorted) order: the save format and gradient flattening rely on it. */
  names(prefix = ''): string[] {
    return [...this.vars.keys()].filter((n) => n.startsWith(prefix)).sort();
  }

  variables(prefix = ''): tf.Variable[] {
    return this.names(prefix).map((n) => this.get(n));
  }

  count(prefix = ''): number {
    return this.variables(prefix).reduce((a, v) => a + v.size, 0);
  }

  dispose(): void {
    for (const v of this.vars.values()) v.dispose();
    this.vars.clear();
  }
}
