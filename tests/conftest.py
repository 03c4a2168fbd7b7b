def pytest_configure(config):
    config.addinivalue_line("markers", "gpu: runs on gpu(0) with CuPy; skipped where there is none")
    config.addinivalue_line("markers", "slow: trains a model or executes notebooks")
