// YAHPO Gym surrogates (ONNX) as tabular benchmark tasks: a seeded pool of configurations shared by every task,
// each evaluated once by the surrogate. The models and their encodings live in a scenario folder
// (shared/data/yahpo-surrogates/<scenario>: model.onnx, config_space.json, encoding.json); the ONNX runtime
// is onnxruntime-web (WebAssembly, a devDependency), loaded only when a surrogate is used.
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { createRng, SearchSpace, type Config, type ParamSpec } from '../../engine';
import type { BenchTask } from './regret';

/** How one scenario's model is called: input order, fixed (fidelity and nuisance) values, outputs. */
export interface YahpoScenario {
  /** The categorical parameter naming the task (OpenML task id). */
  taskParam: string;
  /** Columns of x_cat, in order (the task parameter among them). */
  categorical: readonly string[];
  /** Columns of x_cont, in order. */
  continuous: readonly string[];
  /** Parameters held fixed: fidelities at their full value, inactive ones at YAHPO's "missing" (0). */
  fixed: Record<string, number | string>;
  /** Columns of the model's output, in order. */
  outputs: readonly string[];
  /** Goal of each output that is a loss or a score. */
  goals: Record<string, 'minimize' | 'maximize'>;
}

const RBV2_OUTPUTS = ['acc', 'bac', 'auc', 'brier', 'f1', 'logloss', 'timetrain', 'timepredict', 'memory'] as const;
const RBV2_GOALS = { acc: 'maximize', bac: 'maximize', auc: 'maximize', f1: 'maximize', brier: 'minimize', logloss: 'minimize' } as const;

export const YAHPO_SCENARIOS: Record<string, YahpoScenario> = {
  lcbench: {
    taskParam: 'OpenML_task_id',
    categorical: ['OpenML_task_id'],
    continuous: ['epoch', 'batch_size', 'learning_rate', 'momentum', 'weight_decay', 'num_layers', 'max_units', 'max_dropout'],
    fixed: { epoch: 52 },
    outputs: ['time', 'val_accuracy', 'val_cross_entropy', 'val_balanced_accuracy', 'test_cross_entropy', 'test_balanced_accuracy'],
    goals: {
      val_accuracy: 'maximize',
      val_cross_entropy: 'minimize',
      val_balanced_accuracy: 'maximize',
      test_cross_entropy: 'minimize',
      test_balanced_accuracy: 'maximize',
    },
  },
  rbv2_rpart: {
    taskParam: 'task_id',
    categorical: ['task_id', 'num.impute.selected.cpo'],
    continuous: ['cp', 'maxdepth', 'minbucket', 'minsplit', 'trainsize', 'repl'],
    fixed: { trainsize: 1, repl: 10, 'num.impute.selected.cpo': 'impute.mean' },
    outputs: RBV2_OUTPUTS,
    goals: RBV2_GOALS,
  },
  rbv2_xgboost: {
    taskParam: 'task_id',
    categorical: ['task_id', 'booster', 'num.impute.selected.cpo'],
    continuous: [
      'nrounds', 'eta', 'gamma', 'lambda', 'alpha', 'subsample', 'max_depth', 'min_child_weight', 'colsample_bytree',
      'colsample_bylevel', 'rate_drop', 'skip_drop', 'trainsize', 'repl',
    ],
    // gbtree: rate_drop and skip_drop (dart only) are inactive, which YAHPO encodes as 0.
    fixed: { booster: 'gbtree', rate_drop: 0, skip_drop: 0, trainsize: 1, repl: 10, 'num.impute.selected.cpo': 'impute.mean' },
    outputs: RBV2_OUTPUTS,
    goals: RBV2_GOALS,
  },
};

interface ConfigSpaceParam {
  name: string;
  type: string;
  log?: boolean;
  lower?: number;
  upper?: number;
  choices?: string[];
}

/** True when `dir` looks like a YAHPO scenario folder. */
export function isYahpoDir(dir: string): boolean {
  return ['model.onnx', 'config_space.json', 'encoding.json'].every((f) => existsSync(path.join(dir, f)));
}

export interface YahpoOptions {
  metric: string;
  /** Configurations in the shared pool (default 300). */
  pool?: number;
  /** Keep the first N tasks of the scenario's task list (after skipTasks). */
  tasks?: number;
  /** Leave out the first N tasks (a suite of later tasks, never used to choose anything: bench/robust). */
  skipTasks?: number;
  seed?: number;
}

export interface YahpoSuiteData {
  scenario: string;
  goal: 'minimize' | 'maximize';
  space: SearchSpace;
  tasks: BenchTask[];
}

/** The scenario's tuned parameters (all but the task and the fixed ones) as a search space. */
export function yahpoSpace(params: readonly ConfigSpaceParam[], scenario: YahpoScenario): SearchSpace {
  const specs: ParamSpec[] = [];
  for (const p of params) {
    if (p.name === scenario.taskParam || p.name in scenario.fixed) continue;
    if (p.type === 'categorical') specs.push({ name: p.name, type: 'categorical', choices: p.choices ?? [] });
    else if (p.type === 'uniform_int' || p.type === 'uniform_float') {
      specs.push({ name: p.name, type: p.type === 'uniform_int' ? 'int' : 'float', low: p.lower!, high: p.upper!, scale: p.log ? 'log' : 'linear' });
    } else throw new Error(`YAHPO parameter ${p.name} has a type this loader does not know (${p.type}).`);
  }
  return new SearchSpace(specs);
}

/** The model's inputs for one task and a list of configurations (raw values; categorical values as encoding.json codes). */
export function yahpoInputs(
  scenario: YahpoScenario,
  encoding: Record<string, Record<string, number>>,
  task: string,
  configs: readonly Config[],
): { cat: Int32Array; cont: Float32Array } {
  const cat = new Int32Array(configs.length * scenario.categorical.length);
  const cont = new Float32Array(configs.length * scenario.continuous.length);
  configs.forEach((c, i) => {
    const value = (name: string) => (name === scenario.taskParam ? task : name in scenario.fixed ? scenario.fixed[name]! : c[name]);
    scenario.categorical.forEach((name, j) => {
      const code = encoding[name]?.[String(value(name))];
      if (code === undefined) throw new Error(`YAHPO encoding has no code for ${name} = ${String(value(name))}.`);
      cat[i * scenario.categorical.length + j] = code;
    });
    scenario.continuous.forEach((name, j) => {
      const v = Number(value(name));
      if (!Number.isFinite(v)) throw new Error(`YAHPO input ${name} is not a number (${String(value(name))}).`);
      cont[i * scenario.continuous.length + j] = v;
    });
  });
  return { cat, cont };
}

/** Evaluates a YAHPO surrogate on a seeded pool shared by every task; each task becomes a finite pool like a tabular benchmark's. */
export async function loadYahpo(dir: string, options: YahpoOptions): Promise<YahpoSuiteData> {
  const name = path.basename(path.resolve(dir));
  const scenario = YAHPO_SCENARIOS[name];
  if (!scenario) throw new Error(`${dir}: unknown YAHPO scenario "${name}"; this loader knows ${Object.keys(YAHPO_SCENARIOS).join(', ')}.`);
  const column = scenario.outputs.indexOf(options.metric);
  const goal = scenario.goals[options.metric];
  if (column < 0 || !goal) {
    throw new Error(`${name} has no metric "${options.metric}"; use one of ${Object.keys(scenario.goals).join(', ')}.`);
  }
  const configSpace = JSON.parse(readFileSync(path.join(dir, 'config_space.json'), 'utf8')) as { hyperparameters: ConfigSpaceParam[] };
  const encoding = JSON.parse(readFileSync(path.join(dir, 'encoding.json'), 'utf8')) as Record<string, Record<string, number>>;
  const taskIds = configSpace.hyperparameters.find((p) => p.name === scenario.taskParam)?.choices ?? [];
  const skip = options.skipTasks ?? 0;
  const chosen = taskIds.slice(skip, options.tasks !== undefined ? skip + options.tasks : undefined);
  const space = yahpoSpace(configSpace.hyperparameters, scenario);
  const poolSize = options.pool ?? 300;
  const rng = createRng(options.seed ?? 0);
  const configs: Config[] = Array.from({ length: poolSize }, () => space.tidy(space.sample(rng)));

  const surrogate = await openSurrogate(dir, scenario, encoding);
  const tasks: BenchTask[] = [];
  try {
    for (const task of chosen) {
      const predicted = await surrogate.predict(task, configs);
      const width = scenario.outputs.length;
      tasks.push({ name: task, configs, values: Float64Array.from(configs, (_, i) => predicted[i * width + column]!) });
    }
  } finally {
    await surrogate.release();
  }
  return { scenario: name, goal, space, tasks };
}

/** A loaded surrogate: every output column for a task and configurations (row-major, scenario.outputs order). */
export interface Surrogate {
  predict(task: string, configs: readonly Config[]): Promise<Float32Array>;
  release(): Promise<void>;
}

export async function openSurrogate(
  dir: string,
  scenario: YahpoScenario,
  encoding: Record<string, Record<string, number>> = JSON.parse(readFileSync(path.join(dir, 'encoding.json'), 'utf8')) as Record<string, Record<string, number>>,
): Promise<Surrogate> {
  let ort: typeof import('onnxruntime-web');
  try {
    ort = await import('onnxruntime-web');
  } catch {
    throw new Error('YAHPO surrogates need the ONNX runtime: npm install --save-dev onnxruntime-web');
  }
  ort.env.wasm.numThreads = 1;
  const session = await ort.InferenceSession.create(readFileSync(path.join(dir, 'model.onnx')));
  return {
    async predict(task, configs) {
      const { cat, cont } = yahpoInputs(scenario, encoding, task, configs);
      const out = await session.run({
        x_cat: new ort.Tensor('int32', cat, [configs.length, scenario.categorical.length]),
        x_cont: new ort.Tensor('float32', cont, [configs.length, scenario.continuous.length]),
      });
      return out.output!.data as Float32Array;
    },
    release: () => session.release(),
  };
}
