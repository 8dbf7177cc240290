// The example's training script, written the way your own would be: it takes the optimiser's hyperparameters as
// arguments, really trains a network, and appends one JSON line per epoch to a log that HyperBO tails.
//
//   npx tsx examples/train.ts --lr 0.1 --momentum 0.9 --power 1 --decay-steps-factor 0.8 --out runs/1/metrics.jsonl
//
// It trains one task of the bundled PD1-style data (by default digits, MLP relu-32, batch size 128, the task that
// digits-mlp.hyperbo.yaml tunes) with the trainer that generated that data (src/trainer): an MLP classifier,
// softmax cross-entropy, minibatch SGD with Nesterov momentum and polynomial learning-rate decay.
import { runTrainingScript } from '../src/trainer/script';

process.exitCode = runTrainingScript(process.argv.slice(2), 'npx tsx examples/train.ts');
