import { describe, expect, it } from 'vitest';
import { checkRegistry, defineTask, headlineMetric, INPUT_NAMES, inputOf, isTaskName, RECIPES, requireTaskName, TASK_MODULES, TASK_NAMES, TASKS, taskModule, TaskDefinitionError, tasksOfInput, tasksOfKind, TURBINE_HISTORY, TURBINE_INPUT, type TaskModule, inputSpec, recipeFor, taskDefinition, SHARED_LOOKBACK } from '../src/index.js';

describe('task registry', () => {
  it('lists every task once, in head order, with its definition and recipe', () => {
    expect(Object.keys(TASKS)).toEqual([...TASK_NAMES]);
    expect(new Set(TASK_NAMES).size).toBe(TASK_NAMES.length);
    expect(RECIPES.map((r) => r.task)).toEqual([...TASK_NAMES]);
    for (const m of TASK_MODULES) {
      expect(TASKS[m.definition.name]).toBe(m.definition);
      expect(RECIPES.find((r) => r.task === m.definition.name)?.domain).toBe(m.definition.domain);
    }
    expect(Object.values(TASKS).map((t) => `${t.name}:${t.domain}:${t.kind}`).slice(0, 4)).toEqual([
      'traffic:city:regression',
      'air_quality:city:regression',
      'fault:factory:classification',
      'throughput:factory:regression',
    ]);
    const fault = TASKS.fault;
    expect(fault.kind === 'classification' && fault.classes[0]).toBe('normal');
  });

  it('refuses an unknown task, naming the registered ones', () => {
    expect(isTaskName('weather')).toBe(false);
    expect(() => taskModule('weather')).toThrow(/unknown task "weather"; registered: traffic, air_quality, fault, throughput/);
    expect(() => requireTaskName('weather', '--tasks entry')).toThrow(/unknown --tasks entry "weather"/);
    expect(requireTaskName('fault')).toBe('fault');
  });

  it('derives the headline metric from the kind', () => {
    for (const t of TASK_NAMES) expect(headlineMetric(t).key).toBe(TASKS[t].kind === 'classification' ? 'macro_f1' : 'mae');
    expect(tasksOfKind('classification')).toEqual(['fault']);
    expect(headlineMetric('fault').higherIsBetter).toBe(true);
  });

  it('fails loudly on a half-defined task, naming the task and what is missing', () => {
    const base = TASK_MODULES[TASK_NAMES.indexOf('throughput')] as TaskModule;
    const { folds: _folds, ...protocol } = base.protocol;
    const half = { ...base, definition: { ...base.definition, name: 'half' }, protocol, dashboard: { title: 'Half' } } as unknown as TaskModule;
    let message = '';
    try {
      defineTask(half);
    } catch (error) {
      expect(error).toBeInstanceOf(TaskDefinitionError);
      message = (error as Error).message;
    }
    expect(message).toMatch(/^task "half" is not fully defined/);
    expect(message).toMatch(/protocol\.folds: expected folds\(frames\)/);
    expect(message).toMatch(/dashboard\.color/);
    expect(message).toMatch(/dashboard\.sites/);
  });

  it('refuses an inconsistent task: a target it does not read, a protocol horizon it does not forecast', () => {
    const base = TASK_MODULES[TASK_NAMES.indexOf('throughput')] as TaskModule;
    const wrong = { ...base, definition: { ...base.definition, name: 'wrong', target: 'missing_metric' }, protocol: { ...base.protocol, horizons: [2] } } as TaskModule;
    expect(() => defineTask(wrong)).toThrow(/task "wrong" is inconsistent: recipe\.sources: the target missing_metric is not read; protocol\.horizons: 2 not in definition\.horizons/);
  });

  it("each protocol split keeps a site-split task's held-out sites out of training", () => {
    const frame = { start: 0, intervalMs: 3_600_000, length: 2, channels: ['pm25'], values: [new Float64Array([1, 2])] };
    const frames = { frames: { 'beijing-a': frame, 'beijing-wanshouxigong': frame }, runType: {} };
    const plan = taskModule('air_quality').protocol.split(frames, ['beijing-a']);
    expect(plan.validationSites).toEqual(['beijing-a']);
    expect(plan.trainSites).toEqual(['beijing-wanshouxigong']);
    expect(() => taskModule('air_quality').protocol.split(frames, ['nowhere'])).toThrow(/no Beijing station nowhere/);
  });

  it('co-located tasks read one input: throughput and emissions share the turbine, every other task reads its own', () => {
    expect(inputOf('throughput')).toBe(TURBINE_INPUT);
    expect(inputOf('emissions')).toBe(TURBINE_INPUT);
    expect(tasksOfInput(TURBINE_INPUT)).toEqual(['throughput', 'emissions']);
    for (const t of ['traffic', 'air_quality', 'fault'] as const) expect(inputOf(t)).toBe(t);
    expect(INPUT_NAMES).toEqual(['traffic', 'air_quality', 'fault', TURBINE_INPUT]);
    const [a, b] = [RECIPES.find((r) => r.task === 'throughput'), RECIPES.find((r) => r.task === 'emissions')];
    // One recipe for the input: both targets' levels and daily-change channels, used by both modules.
    expect(a?.sources).toBe(b?.sources);
    expect(a?.derived).toBe(b?.derived);
    expect(a?.derived.map((d) => d.name)).toEqual(expect.arrayContaining(['throughput_next_change_1d', 'nox_next_change_1d']));
    // One history for the input too: the present hour of the shared lookback (the older steps are zeroed).
    expect([TASKS.throughput.lookback, TASKS.emissions.lookback]).toEqual([TURBINE_HISTORY, TURBINE_HISTORY]);
    const spec = inputSpec((['throughput', 'emissions'] as const).map((t) => ({ recipe: recipeFor(t), definition: taskDefinition(t) })));
    expect([spec.input, spec.lookback, spec.history]).toEqual([TURBINE_INPUT, SHARED_LOOKBACK, 1]);
    expect(spec.targets.map((t) => t.task)).toEqual(['throughput', 'emissions']);
  });

  it('refuses tasks that share an input but disagree on it, naming both and every disagreement', () => {
    const base = TASK_MODULES[TASK_NAMES.indexOf('emissions')] as TaskModule;
    const other = { ...base, definition: { ...base.definition, name: 'co', intervalMs: 600_000 }, recipe: { ...base.recipe, name: 'turbine-co', fillLimit: 3 } } as TaskModule;
    const throughput = TASK_MODULES[TASK_NAMES.indexOf('throughput')] as TaskModule;
    expect(() => checkRegistry([throughput, other])).toThrow(/tasks "throughput" and "co" read input turbine but disagree on definition\.intervalMs, recipe\.fillLimit$/);
    expect(() => checkRegistry([throughput, { ...other, input: 'co' }])).not.toThrow();
  });
});
