// `hyperbo train`: the example training script (see src/trainer/script.ts), runnable wherever the CLI is.
import { runTrainingScript } from '../../trainer/script';

export async function run(argv: string[]): Promise<number> {
  return runTrainingScript(argv, 'hyperbo train');
}
