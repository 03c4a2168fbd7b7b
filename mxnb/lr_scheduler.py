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
    """Settings a learning-rate schedule cannot take (a ValueError too, as in MXNet).

    Parameters
    ----------
    *args
        The error message (and any further arguments), as for any exception.

    Examples
    --------
    >>> try:
    ...     mx.lr_scheduler.FactorScheduler(step=0)
    ... except mx.lr_scheduler.ScheduleError as err:
    ...     print(isinstance(err, ValueError))
    True
    """


class LRScheduler:
    """Base class: a base rate and an optional warm-up ('linear' or 'constant').

    Parameters
    ----------
    base_lr : float, default 0.01
        The rate reached at the end of the warm-up (and the starting rate of the schedule).
    warmup_steps : int, default 0
        Number of warm-up updates at the start.
    warmup_begin_lr : float, default 0
        The learning rate at the first warm-up update; must not exceed `base_lr`.
    warmup_mode : str, default 'linear'
        'linear' raises the rate from `warmup_begin_lr` to `base_lr` evenly over the warm-up;
        'constant' keeps it at `warmup_begin_lr`.

    Examples
    --------
    >>> class Halving(mx.lr_scheduler.LRScheduler):
    ...     def __call__(self, num_update):
    ...         return self.base_lr * 0.5 ** num_update
    >>> Halving(base_lr=1.0)(2)
    0.25
    """

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
    """Multiplies the rate by `factor` every `step` updates, never below `stop_factor_lr`.

    Parameters
    ----------
    step : int
        Number of updates between two reductions of the rate; at least 1.
    factor : float, default 1
        Factor the rate is multiplied by at each reduction; at most 1.
    stop_factor_lr : float, default 1e-8
        The rate is not reduced below this value.
    base_lr : float, default 0.01
        The rate reached at the end of the warm-up (and the starting rate of the schedule).
    warmup_steps : int, default 0
        Number of warm-up updates at the start.
    warmup_begin_lr : float, default 0
        The learning rate at the first warm-up update; must not exceed `base_lr`.
    warmup_mode : str, default 'linear'
        'linear' raises the rate from `warmup_begin_lr` to `base_lr` evenly over the warm-up;
        'constant' keeps it at `warmup_begin_lr`.

    Examples
    --------
    >>> sched = mx.lr_scheduler.FactorScheduler(step=2, factor=0.5, base_lr=1.0)
    >>> [sched(i) for i in (1, 2, 3, 4, 5)]
    [1.0, 1.0, 0.5, 0.5, 0.25]
    >>> opt = mx.optimizer.SGD(lr_scheduler=sched)
    """

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
    """Multiplies the rate by `factor` once past each update count in the increasing list `step`.

    Parameters
    ----------
    step : list of int
        Increasing update counts after which the rate is reduced.
    factor : float, default 1
        Factor the rate is multiplied by at each reduction; at most 1.
    base_lr : float, default 0.01
        The rate reached at the end of the warm-up (and the starting rate of the schedule).
    warmup_steps : int, default 0
        Number of warm-up updates at the start.
    warmup_begin_lr : float, default 0
        The learning rate at the first warm-up update; must not exceed `base_lr`.
    warmup_mode : str, default 'linear'
        'linear' raises the rate from `warmup_begin_lr` to `base_lr` evenly over the warm-up;
        'constant' keeps it at `warmup_begin_lr`.

    Examples
    --------
    >>> sched = mx.lr_scheduler.MultiFactorScheduler(step=[2, 4], factor=0.1, base_lr=1.0)
    >>> [round(sched(i), 4) for i in (1, 2, 3, 4, 5)]
    [1.0, 1.0, 0.1, 0.1, 0.01]
    """

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
    """final_lr + (base_lr - final_lr) * (1 - t / max_steps) ** pwr, after the warm-up.

    Parameters
    ----------
    max_update : int
        Number of updates (counting the warm-up) at which the rate reaches `final_lr`.
    base_lr : float, default 0.01
        The rate reached at the end of the warm-up (and the starting rate of the schedule).
    pwr : float, default 2
        Power of the polynomial decay.
    final_lr : float, default 0
        The rate at and after `max_update`.
    warmup_steps : int, default 0
        Number of warm-up updates at the start.
    warmup_begin_lr : float, default 0
        The learning rate at the first warm-up update; must not exceed `base_lr`.
    warmup_mode : str, default 'linear'
        'linear' raises the rate from `warmup_begin_lr` to `base_lr` evenly over the warm-up;
        'constant' keeps it at `warmup_begin_lr`.

    Examples
    --------
    >>> sched = mx.lr_scheduler.PolyScheduler(max_update=10, base_lr=1.0, pwr=2)
    >>> [sched(i) for i in (0, 5, 10)]
    [1.0, 0.25, 0.0]
    """

    def __init__(self, max_update, base_lr=0.01, pwr=2, final_lr=0, warmup_steps=0,
                 warmup_begin_lr=0, warmup_mode="linear"):
        super().__init__(max_update, base_lr, final_lr, warmup_steps, warmup_begin_lr, warmup_mode)
        self.power = pwr

    def _decay(self, progress):
        return pow(1 - progress, self.power)


class CosineScheduler(_DecayToFinal):
    """final_lr + (base_lr - final_lr) * (1 + cos(pi * t / max_steps)) / 2, after the warm-up.

    Parameters
    ----------
    max_update : int
        Number of updates (counting the warm-up) at which the rate reaches `final_lr`.
    base_lr : float, default 0.01
        The rate reached at the end of the warm-up (and the starting rate of the schedule).
    final_lr : float, default 0
        The rate at and after `max_update`.
    warmup_steps : int, default 0
        Number of warm-up updates at the start.
    warmup_begin_lr : float, default 0
        The learning rate at the first warm-up update; must not exceed `base_lr`.
    warmup_mode : str, default 'linear'
        'linear' raises the rate from `warmup_begin_lr` to `base_lr` evenly over the warm-up;
        'constant' keeps it at `warmup_begin_lr`.

    Examples
    --------
    >>> sched = mx.lr_scheduler.CosineScheduler(max_update=10, base_lr=1.0)
    >>> [round(sched(i), 4) for i in (0, 5, 10)]
    [1.0, 0.5, 0.0]
    """

    def __init__(self, max_update, base_lr=0.01, final_lr=0, warmup_steps=0, warmup_begin_lr=0,
                 warmup_mode="linear"):
        super().__init__(max_update, base_lr, final_lr, warmup_steps, warmup_begin_lr, warmup_mode)

    def _decay(self, progress):
        return (1 + cos(pi * progress)) / 2
