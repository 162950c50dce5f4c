"""``python -m optim train``: the digits network (experiments/network.py), per-epoch numbers as JSON.

The command lives here, next to the network it trains, so that ``optim`` imports nothing from
``experiments``: ``optim/__main__.py`` hands ``COMMANDS`` to ``optim.cli.main``. It takes the same
generated optimizer flags and number checks as ``run``, and fails the same way (one ``error:`` line, exit 2).
"""

from __future__ import annotations

from optim.cli import Command, UsageError, add_optimizer_flags, given_hyperparameters, seed_number, whole_number
from optim.registry import OPTIMIZERS, get_optimizer

TRAIN_DATASETS = ("digits",)


def add_train_arguments(train) -> None:
    train.add_argument("--dataset", default="digits", help=f"one of: {', '.join(TRAIN_DATASETS)} (default digits)")
    train.add_argument("--optimizer", required=True, help=f"one of: {', '.join(OPTIMIZERS)}")
    train.add_argument("--epochs", default="20", help="passes over the training images (default 20)")
    train.add_argument("--batch-size", default="32", help="mini-batch size (default 32)")
    train.add_argument("--seed", default="0", help="seed of the initial weights and the batch order (default 0)")
    train.add_argument("--dtype", default="float64",
                       help="float64 (default: the updates equal torch.optim's to 1e-8) or float32 "
                            "(PyTorch's default precision, about twice as fast)")
    add_optimizer_flags(train)  # the same generated optimizer flags as ``run``


def train_command(args) -> dict:
    from experiments.network import DTYPES, LAYERS, MAX_EPOCHS, train_network  # not paid for by ``run``
    from optim.record import backend_name, number

    if args.dataset not in TRAIN_DATASETS:
        raise UsageError(f"unknown dataset {args.dataset!r}; choose one of: {', '.join(TRAIN_DATASETS)}")
    try:
        optimizer = get_optimizer(args.optimizer)
    except KeyError as exc:
        raise UsageError(exc.args[0]) from None
    seed = seed_number(args.seed)
    if args.dtype not in DTYPES:
        raise UsageError(f"--dtype must be {' or '.join(DTYPES)}, got {args.dtype!r}")
    epochs = whole_number(args.epochs, "--epochs", 0, MAX_EPOCHS)
    batch_size = whole_number(args.batch_size, "--batch-size", 1, None)
    hp = given_hyperparameters(args)
    try:
        run = train_network(optimizer.name, hp, epochs, batch_size, seed, dtype=args.dtype)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    values = lambda a: [number(v) for v in a]  # noqa: E731
    hp_out = optimizer.shown(run.hyperparameters)
    return {
        "dataset": args.dataset,
        "model": "-".join(str(n) for n in LAYERS) + " MLP, ReLU, cross-entropy",
        "optimizer": optimizer.name,
        "hyperparameters": hp_out,
        "epochs": run.epochs,
        "batch_size": run.batch_size,
        "updates_per_epoch": run.updates_per_epoch,
        "seed": seed,
        "epoch": list(range(run.epochs + 1)),  # index 0 = the initial weights
        "train_loss": values(run.train_loss),
        "test_loss": values(run.test_loss),
        "test_accuracy": values(run.test_accuracy),
        "train_accuracy": values(run.train_accuracy),
        "diverged_at": run.diverged_at,
        "seconds": run.seconds,
        "seconds_per_epoch": run.seconds / max(run.epochs, 1),
        "compile_seconds": run.compile_seconds,
        "backend": backend_name(),
        "dtype": args.dtype,
    }


TRAIN = Command("train", "train the 64-128-10 network on a dataset and print per-epoch JSON", add_train_arguments,
                train_command)
COMMANDS = (TRAIN,)  # what ``python -m optim`` adds to run and list
