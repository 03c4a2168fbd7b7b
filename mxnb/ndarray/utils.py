"""nd.save / nd.load (filled in by the serialization work)."""


def save(fname, data):
    raise NotImplementedError


def load(fname, ctx=None):
    raise NotImplementedError
