"""The explicit optimizer registry: torch.optim's names plus the course's aliases."""

from optim.adam import ADAM, ADAMW
from optim.adaptive import ADAGRAD, RMSPROP
from optim.sgd import GD, MOMENTUM, NESTEROV, SGD
from optim.spec import Optimizer

OPTIMIZERS: dict[str, Optimizer] = {
    o.name: o for o in (GD, MOMENTUM, NESTEROV, SGD, ADAGRAD, RMSPROP, ADAM, ADAMW)
}


def get_optimizer(name: str) -> Optimizer:
    """The registered optimizer called ``name``; a ``KeyError`` naming the choices otherwise."""
    try:
        return OPTIMIZERS[name]
    except KeyError:
        raise KeyError(f"unknown optimizer {name!r}; choose one of: {', '.join(OPTIMIZERS)}") from None
