"""Graph passes over the one graph IR, each in a module of its own.

Node passes (they read the graph of `Node`s and decide what the compiled program runs):

- `cse`: common-subexpression elimination: one operator on the same inputs with the same
  attributes is computed once.
- `fold`: constant folding: what depends on no input is computed once per context, then reused.
- `dce`: dead-code elimination: steps whose results nothing needs are dropped.

Step passes (they need shapes, so they run once a program has run once with given input
shapes, as MXNet's static_alloc plans at the first call):

- `bn_relu`: BatchNorm then relu as one step, forward and backward (MXNet's fused
  BatchNormWithReLU), where nothing else reads BatchNorm's result or relu's gradient.
- `fusion`: chains of elementwise operators run as one step writing through one buffer.
- `memory`: buffers reused across steps and across iterations, outputs written into planned
  buffers (`kernels.out_kernel`), in place where the operator declares that it may overwrite
  an input; `check_plan` proves that no two values live at the same time share a buffer.

`optimize.Optimizer` applies them for a `Program`; CachedOp (hybridize) and Executor use it.
"""
from . import bn_relu, cse, dce, fold, fusion, kernels, liveness, memory, recompute  # noqa: F401
