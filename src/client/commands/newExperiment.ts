// HyperBO: New Experiment — a guided flow (name, metric, goal, parameters, log, command, budget) that writes
// a valid *.hyperbo.yaml through a WorkspaceEdit and opens it. Tests (and other extensions) can pass the
// answers as the command's argument instead of going through the pickers.
import * as vscode from 'vscode';
import type { Ctx } from '../ctx';
import { UserFacingError } from '../errors';
import {
  checkAnswers,
  checkMetric,
  checkName,
  checkParameterName,
  defaultCommandLine,
  fileNameFor,
  parseBounds,
  parseChoices,
  renderExperiment,
  splitCommandLine,
  unknownPlaceholders,
  type NewExperimentAnswers,
  type ParameterAnswer,
} from '../newExperiment/template';

export interface NewExperimentArgs extends NewExperimentAnswers {
  /** Folder (URI or path) to write into; default: the first workspace folder. */
  folder?: string;
}

const title = 'HyperBO: New Experiment';

async function pickFolder(): Promise<vscode.Uri | undefined> {
  const folders = vscode.workspace.workspaceFolders ?? [];
  if (folders.length === 0) throw new UserFacingError('Open a folder first: the experiment file is written into the workspace.');
  if (folders.length === 1) return folders[0]!.uri;
  return (await vscode.window.showWorkspaceFolderPick({ placeHolder: 'Where should the experiment file go?' }))?.uri;
}

async function fileExists(uri: vscode.Uri): Promise<boolean> {
  try {
    await vscode.workspace.fs.stat(uri);
    return true;
  } catch {
    return false;
  }
}

async function ask(prompt: string, options: { value?: string; placeHolder?: string; validate?: (v: string) => string | undefined | Promise<string | undefined> } = {}): Promise<string | undefined> {
  return vscode.window.showInputBox({
    title,
    prompt,
    value: options.value,
    placeHolder: options.placeHolder,
    ignoreFocusOut: true,
    validateInput: options.validate,
  });
}

async function pick<T extends string>(placeHolder: string, items: { label: T; description?: string }[]): Promise<T | undefined> {
  return (await vscode.window.showQuickPick(items, { title, placeHolder, ignoreFocusOut: true }))?.label;
}

async function askParameter(existing: readonly string[]): Promise<ParameterAnswer | 'done' | undefined> {
  const first = existing.length === 0;
  const name = await ask(first ? 'Name of a hyperparameter to tune (as your script calls it)' : 'Another hyperparameter? Leave empty when done.', {
    placeHolder: first ? 'learning_rate' : '',
    validate: (v) => (v === '' && !first ? undefined : checkParameterName(v.trim(), existing)),
  });
  if (name === undefined) return undefined;
  if (name.trim() === '') return 'done';
  const type = await pick<'float' | 'int' | 'categorical'>(`Type of ${name}`, [
    { label: 'float', description: 'a real number in [low, high]' },
    { label: 'int', description: 'a whole number in [low, high]' },
    { label: 'categorical', description: 'one of a list of choices' },
  ]);
  if (!type) return undefined;
  if (type === 'categorical') {
    const text = await ask(`Choices for ${name}, separated by commas`, { placeHolder: 'adam, sgd', validate: (v) => (typeof parseChoices(v) === 'string' ? (parseChoices(v) as string) : undefined) });
    if (text === undefined) return undefined;
    return { name: name.trim(), type, choices: parseChoices(text) as string[] };
  }
  const scale = await pick<'linear' | 'log'>(`Scale of ${name}`, [
    { label: 'linear', description: 'uniform in the value' },
    { label: 'log', description: 'uniform in log(value): learning rates, weight decay, …' },
  ]);
  if (!scale) return undefined;
  const bounds = await ask(`Bounds of ${name}: low, high`, {
    placeHolder: scale === 'log' ? '1e-5, 1' : '0, 1',
    validate: (v) => {
      const b = parseBounds(v, type, scale);
      return typeof b === 'string' ? b : undefined;
    },
  });
  if (bounds === undefined) return undefined;
  const { low, high } = parseBounds(bounds, type, scale) as { low: number; high: number };
  return { name: name.trim(), type, low, high, scale };
}

async function askAnswers(folder: vscode.Uri): Promise<NewExperimentAnswers | undefined> {
  const name = await ask('Name of the experiment (also its file name)', {
    placeHolder: 'cifar10-resnet',
    validate: async (v) => checkName(v) ?? ((await fileExists(vscode.Uri.joinPath(folder, fileNameFor(v)))) ? `${fileNameFor(v)} already exists.` : undefined),
  });
  if (name === undefined) return undefined;
  const metric = await ask('Metric to optimise, named as your training log writes it', { placeHolder: 'valid/error_rate', validate: checkMetric });
  if (metric === undefined) return undefined;
  const goal = await pick<'minimize' | 'maximize'>(`Should ${metric} go down or up?`, [
    { label: 'minimize', description: 'losses, error rates' },
    { label: 'maximize', description: 'accuracy, reward' },
  ]);
  if (!goal) return undefined;
  const parameters: ParameterAnswer[] = [];
  for (;;) {
    const parameter = await askParameter(parameters.map((p) => p.name));
    if (parameter === undefined) return undefined;
    if (parameter === 'done') break;
    parameters.push(parameter);
  }
  const logMode = await pick<'My command writes a log file' | 'Capture the command output'>('Where does a run write the metric?', [
    { label: 'My command writes a log file', description: 'JSON Lines, CSV or key=value text, one file per trial' },
    { label: 'Capture the command output', description: 'HyperBO saves stdout/stderr of each run as its log' },
  ]);
  if (!logMode) return undefined;
  const capture = logMode === 'Capture the command output';
  const log = capture
    ? 'runs/${trial}.log'
    : await ask('Path of a trial\'s log, relative to the experiment file (${trial} is the trial id)', { value: 'runs/${trial}/metrics.jsonl', validate: (v) => (v.trim() ? undefined : 'Enter a path.') });
  if (log === undefined) return undefined;
  const commandLine = await ask('Command that trains one model; ${name} is replaced by the value (each word is one argument, no shell)', {
    value: defaultCommandLine(parameters, log, capture),
    validate: (v) => {
      const argv = splitCommandLine(v);
      if (typeof argv === 'string') return argv;
      const unknown = unknownPlaceholders(argv, parameters);
      return unknown.length ? `Unknown placeholder(s): ${unknown.map((u) => `\${${u}}`).join(', ')}` : undefined;
    },
  });
  if (commandLine === undefined) return undefined;
  const budgetText = await ask('Budget: how many trials at most', { value: '20', validate: (v) => (/^\d+$/.test(v.trim()) && Number(v) >= 1 ? undefined : 'Enter a whole number ≥ 1.') });
  if (budgetText === undefined) return undefined;
  return { name: name.trim(), metric: metric.trim(), goal, parameters, command: splitCommandLine(commandLine) as string[], log, capture, budget: Number(budgetText) };
}

/** Creates the file through a WorkspaceEdit (so it can be undone), saves and opens it; returns its URI. */
export async function newExperiment(ctx: Ctx, args?: NewExperimentArgs): Promise<string | undefined> {
  let folder: vscode.Uri | undefined;
  if (args?.folder) folder = /^[a-z][\w+.-]*:/i.test(args.folder) ? vscode.Uri.parse(args.folder) : vscode.Uri.file(args.folder);
  else folder = await pickFolder();
  if (!folder) return undefined;
  const answers = args ?? (await askAnswers(folder));
  if (!answers) return undefined;
  const problems = checkAnswers(answers);
  if (problems.length) throw new UserFacingError(`The experiment cannot be written: ${problems.join(' ')}`);
  const target = vscode.Uri.joinPath(folder, fileNameFor(answers.name));
  if (await fileExists(target)) throw new UserFacingError(`${vscode.workspace.asRelativePath(target)} already exists; choose another name.`);
  const edit = new vscode.WorkspaceEdit();
  edit.createFile(target, { ignoreIfExists: false });
  edit.insert(target, new vscode.Position(0, 0), renderExperiment(answers));
  if (!(await vscode.workspace.applyEdit(edit))) throw new Error(`VS Code could not create ${target.fsPath}.`);
  const document = await vscode.workspace.openTextDocument(target);
  await document.save();
  await vscode.window.showTextDocument(document, { preview: false });
  ctx.log.info(`New experiment written to ${target.fsPath}`);
  void ctx.server.start().catch(() => undefined);
  return target.toString();
}
