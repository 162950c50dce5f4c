"""Optimizers with torch.optim semantics, and the runner that walks them down a surface."""

from optim.registry import OPTIMIZERS, get_optimizer
from optim.runner import MAX_STEPS, BatchResult, Trajectory, descend, descend_batch, step_bucket
from optim.spec import Hyperparameter, Optimizer

__all__ = [
    "MAX_STEPS", "OPTIMIZERS", "BatchResult", "Hyperparameter", "Optimizer", "Trajectory",
    "descend", "descend_batch", "get_optimizer", "step_bucket",
]
