"""The explicit optimizer registry: torch.optim's names plus the course's aliases, Lion (optax's), then
the rules that evaluate the loss themselves: Newton's method and steepest descent with a line search."""

from optim.adafactor import ADAFACTOR
from optim.adam import ADAM, ADAMW
from optim.adam_variants import ADAMAX, NADAM, RADAM
from optim.adaptive import ADADELTA, ADAGRAD, RMSPROP
from optim.lbfgs import LBFGS
from optim.newton import NEWTON, STEEPEST
from optim.sgd import ASGD, GD, MOMENTUM, NESTEROV, SGD
from optim.sign import LION, RPROP
from optim.spec import Optimizer

OPTIMIZERS: dict[str, Optimizer] = {
    o.name: o
    for o in (GD, MOMENTUM, NESTEROV, SGD, ASGD, ADAGRAD, ADADELTA, RMSPROP, RPROP, ADAM, ADAMW, ADAMAX, NADAM,
              RADAM, ADAFACTOR, LBFGS, LION, NEWTON, STEEPEST)
}


def get_optimizer(name: str) -> Optimizer:
    """The registered optimizer called ``name``; a ``KeyError`` naming the choices otherwise."""
    try:
        return OPTIMIZERS[name]
    except KeyError:
        raise KeyError(f"unknown optimizer {name!r}; choose one of: {', '.join(OPTIMIZERS)}") from None
