#!/usr/bin/env python3
"""Train scikit-learn's MLPClassifier on the 8x8 digits data set, one epoch at a time.

Hyperparameters come from the command line; after every epoch one plain-text line such as

    epoch=3 train_loss=0.4103 valid_error=0.0519

is written to stdout and, with --log, to that file (flushed at once, so it can be tailed while training runs).
A run whose weights or loss stop being finite logs nan and stops. Needs Python 3 and scikit-learn.
"""

import argparse
import math
import os
import sys
import time

# Fixed so that every configuration is scored on the same validation images, whatever --seed is.
SPLIT_SEED = 0
VALID_FRACTION = 0.3


def _number(kind, low, high=None, low_open=False, high_open=False):
    """An argparse type: a number of `kind` within the given bounds, with a message naming them."""
    def convert(text):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {'an integer' if kind is int else 'a number'}, got {text!r}")
        if kind is float and not math.isfinite(value):
            raise argparse.ArgumentTypeError(f"expected a finite number, got {text!r}")
        too_low = value <= low if low_open else value < low
        too_high = high is not None and (value >= high if high_open else value > high)
        if too_low or too_high:
            if high is None:
                span = f"{'>' if low_open else '>='} {low}"
            else:
                span = f"in {'(' if low_open else '['}{low}, {high}{')' if high_open else ']'}"
            raise argparse.ArgumentTypeError(f"must be {span}, got {text}")
        return value
    return convert


def parse_args(argv):
    parser = argparse.ArgumentParser(
        description="Train an MLP classifier (SGD with Nesterov momentum) on scikit-learn's digits data set "
        "and log train_loss and valid_error after every epoch.")
    parser.add_argument("--learning-rate", type=_number(float, 0, low_open=True), default=0.05,
                        help="SGD step size (default 0.05)")
    parser.add_argument("--momentum", type=_number(float, 0, 1, high_open=True), default=0.9,
                        help="Nesterov momentum in [0, 1) (default 0.9)")
    parser.add_argument("--alpha", type=_number(float, 0), default=1e-4,
                        help="L2 penalty (default 1e-4)")
    parser.add_argument("--batch-size", type=_number(int, 1), default=64,
                        help="minibatch size (default 64; at most the training set, 1257 images)")
    parser.add_argument("--hidden", type=_number(int, 1, 4096), default=64,
                        help="units in the hidden layer (default 64)")
    parser.add_argument("--activation", choices=["relu", "tanh", "logistic"], default="relu",
                        help="the hidden layer's activation (default relu)")
    parser.add_argument("--epochs", type=_number(int, 1, 10000), default=20,
                        help="passes over the training set (default 20)")
    parser.add_argument("--seed", type=_number(int, 0, 2**32 - 1), default=0,
                        help="seeds the initial weights and the minibatch order (default 0)")
    parser.add_argument("--log", metavar="PATH",
                        help="also write the epoch lines to this file (its folders are created)")
    return parser.parse_args(argv)


def import_sklearn():
    try:
        import numpy
        from sklearn.datasets import load_digits
        from sklearn.model_selection import train_test_split
        from sklearn.neural_network import MLPClassifier
        from sklearn.preprocessing import StandardScaler
    except ImportError as error:
        # Advice first, on one line: hyperbo keeps the start of a failed run's last output line as its reason.
        sys.exit("train.py needs scikit-learn: apt-get install python3-sklearn or pip install scikit-learn, or run it "
                 f"with a Python that has it ({sys.executable} cannot import {error.name or 'it'}).")
    return numpy, load_digits, train_test_split, MLPClassifier, StandardScaler


def main(argv):
    args = parse_args(argv)
    numpy, load_digits, train_test_split, MLPClassifier, StandardScaler = import_sklearn()

    features, labels = load_digits(return_X_y=True)
    x_train, x_valid, y_train, y_valid = train_test_split(
        features, labels, test_size=VALID_FRACTION, random_state=SPLIT_SEED, stratify=labels)
    if args.batch_size > len(x_train):
        sys.exit(f"train.py: --batch-size {args.batch_size} is larger than the training set ({len(x_train)} images)")
    scaler = StandardScaler().fit(x_train)
    x_train, x_valid = scaler.transform(x_train), scaler.transform(x_valid)
    classes = numpy.unique(labels)

    model = MLPClassifier(
        hidden_layer_sizes=(args.hidden,), activation=args.activation, solver="sgd", learning_rate="constant",
        learning_rate_init=args.learning_rate, momentum=args.momentum, nesterovs_momentum=True,
        alpha=args.alpha, batch_size=args.batch_size, shuffle=True, random_state=args.seed)

    log = None
    if args.log:
        os.makedirs(os.path.dirname(os.path.abspath(args.log)), exist_ok=True)
        log = open(args.log, "w", encoding="utf-8")

    def emit(line):
        print(line, flush=True)
        if log:
            log.write(line + "\n")
            log.flush()

    started = time.monotonic()
    best = (math.inf, 0)
    try:
        for epoch in range(1, args.epochs + 1):
            diverged = False
            # A too-large step overflows; numpy's warnings about it would only repeat what the nan line says.
            with numpy.errstate(all="ignore"):
                try:
                    model.partial_fit(x_train, y_train, classes=classes)
                except ValueError as error:
                    # scikit-learn refuses to continue once the weights are no longer finite.
                    if "non-finite" not in str(error):
                        raise
                    diverged = True
                loss = math.nan if diverged else float(model.loss_)
                if not math.isfinite(loss):
                    emit(f"epoch={epoch} train_loss=nan valid_error=nan")
                    print(f"Diverged at epoch {epoch}: the training loss is no longer finite "
                          f"(learning rate {args.learning_rate}, momentum {args.momentum}).", file=sys.stderr)
                    return 0
                valid_error = 1.0 - model.score(x_valid, y_valid)
            emit(f"epoch={epoch} train_loss={loss:.6g} valid_error={valid_error:.6g}")
            best = min(best, (valid_error, epoch))
    finally:
        if log:
            log.close()
    print(f"Best valid_error {best[0]:.4f} at epoch {best[1]} of {args.epochs} "
          f"({time.monotonic() - started:.1f} s).", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
