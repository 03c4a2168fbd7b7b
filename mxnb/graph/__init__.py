"""The graph IR (`node`) and its passes: gradient, shape/type inference, the executor, CachedOp.

`node` and `recording` import nothing above `base`, so NDArray can record onto the tape; the
passes import lazily from here.
"""
