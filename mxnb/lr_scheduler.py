"""Learning-rate schedules: the rate as a function of the update count (as MXNet 1.x).

An optimizer calls `scheduler(num_update)` before each update; schedulers keep state (`base_lr`,
`count`) as MXNet's do, so they are meant to be called with non-decreasing counts.
"""
import logging
from math import cos, pi

from .base import MXNetError

__all__ = ["LRScheduler", "FactorScheduler", "MultiFactorScheduler", "PolyScheduler",
           "CosineScheduler"]


class ScheduleError(MXNetError, ValueError):
    """Settings a learning-rate schedule cannot take (a ValueError too, as in MXNet)."""


class LRScheduler:
    """Base class: a base rate and an optional warm-up ('linear' or 'constant')."""

    def __init__(self, base_lr=0.01, warmup_steps=0, warmup_begin_lr=0, warmup_mode="linear"):
        self.base_lr = base_lr
        if not isinstance(warmup_steps, int):
            raise ScheduleError("warmup_steps must be an int, found %r" % (warmup_steps,))
        self.warmup_steps = warmup_steps
        self.warmup_final_lr = base_lr
        self.warmup_begin_lr = warmup_begin_lr
        if warmup_begin_lr > self.warmup_final_lr:
            raise ScheduleError("Base lr has to be higher than warmup_begin_lr (base_lr=%g, "
                                "warmup_begin_lr=%g)" % (base_lr, warmup_begin_lr))
        if warmup_steps < 0:
            raise ScheduleError("Warmup steps has to be positive or 0, found %d" % warmup_steps)
        if warmup_mode not in ("linear", "constant"):
            raise ScheduleError("Supports only linear and constant modes of warmup, found %r"
                                % (warmup_mode,))
        self.warmup_mode = warmup_mode

    def get_warmup_lr(self, num_update):
        if num_update >= self.warmup_steps:
            raise ScheduleError("get_warmup_lr: update %d is past the %d warm-up steps"
                                % (num_update, self.warmup_steps))
        if self.warmup_mode == "linear":
            increase = (self.warmup_final_lr - self.warmup_begin_lr) \
                * float(num_update) / float(self.warmup_steps)
            return self.warmup_begin_lr + increase
        return self.warmup_begin_lr

    def __call__(self, num_update):
        raise NotImplementedError("must override this")


class FactorScheduler(LRScheduler):
    """Multiplies the rate by `factor` every `step` updates, never below `stop_factor_lr`."""

    def __init__(self, step, factor=1, stop_factor_lr=1e-8, base_lr=0.01, warmup_steps=0,
                 warmup_begin_lr=0, warmup_mode="linear"):
        super().__init__(base_lr, warmup_steps, warmup_begin_lr, warmup_mode)
        if step < 1:
            raise ScheduleError("Schedule step must be greater or equal than 1 round, found %r"
                                % (step,))
        if factor > 1.0:
            raise ScheduleError("Factor must be no more than 1 to make lr reduce, found %r"
                                % (factor,))
        self.step = step
        self.factor = factor
        self.stop_factor_lr = stop_factor_lr
        self.count = 0

    def __call__(self, num_update):
        if num_update < self.warmup_steps:
            return self.get_warmup_lr(num_update)
        while num_update > self.count + self.step:
            self.count += self.step
            self.base_lr *= self.factor
            if self.base_lr < self.stop_factor_lr:
                self.base_lr = self.stop_factor_lr
                logging.info("Update[%d]: now learning rate arrived at %0.5e, will not change in "
                             "the future", num_update, self.base_lr)
            else:
                logging.info("Update[%d]: Change learning rate to %0.5e", num_update, self.base_lr)
        return self.base_lr


class MultiFactorScheduler(LRScheduler):
    """Multiplies the rate by `factor` once past each update count in the increasing list `step`."""

    def __init__(self, step, factor=1, base_lr=0.01, warmup_steps=0, warmup_begin_lr=0,
                 warmup_mode="linear"):
        super().__init__(base_lr, warmup_steps, warmup_begin_lr, warmup_mode)
        if not isinstance(step, list) or len(step) < 1:
            raise ScheduleError("step must be a non-empty list of update counts, found %r"
                                % (step,))
        for i, s in enumerate(step):
            if i != 0 and step[i] <= step[i - 1]:
                raise ScheduleError("Schedule step must be an increasing integer list, found %r"
                                    % (step,))
            if s < 1:
                raise ScheduleError("Schedule step must be greater or equal than 1 round, "
                                    "found %r" % (step,))
        if factor > 1.0:
            raise ScheduleError("Factor must be no more than 1 to make lr reduce, found %r"
                                % (factor,))
        self.step = step
        self.cur_step_ind = 0
        self.factor = factor
        self.count = 0

    def __call__(self, num_update):
        if num_update < self.warmup_steps:
            return self.get_warmup_lr(num_update)
        while self.cur_step_ind <= len(self.step) - 1:
            if num_update > self.step[self.cur_step_ind]:
                self.count = self.step[self.cur_step_ind]
                self.cur_step_ind += 1
                self.base_lr *= self.factor
                logging.info("Update[%d]: Change learning rate to %0.5e", num_update, self.base_lr)
            else:
                return self.base_lr
        return self.base_lr


def _check_max_update(max_update):
    if not isinstance(max_update, int):
        raise ScheduleError("max_update must be an int, found %r" % (max_update,))
    if max_update < 1:
        raise ScheduleError("maximum number of updates must be strictly positive, found %d"
                            % max_update)


class _DecayToFinal(LRScheduler):
    """After the warm-up, final_lr + (base_lr - final_lr) * decay(t / max_steps) up to max_update,
    then final_lr; subclasses give `_decay` (1 at the start, 0 at the end)."""

    def __init__(self, max_update, base_lr, final_lr, warmup_steps, warmup_begin_lr, warmup_mode):
        super().__init__(base_lr, warmup_steps, warmup_begin_lr, warmup_mode)
        _check_max_update(max_update)
        self.base_lr_orig = self.base_lr
        self.max_update = max_update
        self.final_lr = final_lr
        self.max_steps = self.max_update - self.warmup_steps

    def __call__(self, num_update):
        if num_update < self.warmup_steps:
            return self.get_warmup_lr(num_update)
        if num_update <= self.max_update:
            progress = float(num_update - self.warmup_steps) / float(self.max_steps)
            self.base_lr = self.final_lr + (self.base_lr_orig - self.final_lr) * self._decay(progress)
        return self.base_lr


class PolyScheduler(_DecayToFinal):
    """final_lr + (base_lr - final_lr) * (1 - t / max_steps) ** pwr, after the warm-up."""

    def __init__(self, max_update, base_lr=0.01, pwr=2, final_lr=0, warmup_steps=0,
                 warmup_begin_lr=0, warmup_mode="linear"):
        super().__init__(max_update, base_lr, final_lr, warmup_steps, warmup_begin_lr, warmup_mode)
        self.power = pwr

    def _decay(self, progress):
        return pow(1 - progress, self.power)


class CosineScheduler(_DecayToFinal):
    """final_lr + (base_lr - final_lr) * (1 + cos(pi * t / max_steps)) / 2, after the warm-up."""

    def __init__(self, max_update, base_lr=0.01, final_lr=0, warmup_steps=0, warmup_begin_lr=0,
                 warmup_mode="linear"):
        super().__init__(max_update, base_lr, final_lr, warmup_steps, warmup_begin_lr, warmup_mode)

    def _decay(self, progress):
        return (1 + cos(pi * progress)) / 2
