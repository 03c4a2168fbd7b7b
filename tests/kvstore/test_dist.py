"""Distributed training with real MPI processes: 'dist_sync' workers end with identical
parameters equal to one process training on the concatenated batches; a killed worker or a
mismatched key makes the others fail with a clear error naming it, within the timeout."""
import os
import subprocess
import sys
import time

import numpy as np
import pytest

import mxnb as mx
from mxnb import autograd, gluon, nd
from mxnb.tools.launch import find_mpirun

from . import dist_worker

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
WORKER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "dist_worker.py")


def _env(timeout=60):
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""),
               MXNB_KVSTORE_TIMEOUT=str(timeout), OMP_NUM_THREADS="1")
    if os.geteuid() == 0:
        env.update(OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
    return env


def _launch(n, out, *extra, launcher="tools", timeout=60):
    worker = [sys.executable, WORKER, "--out", str(out)] + list(extra)
    if launcher == "tools":
        cmd = [sys.executable, "-m", "mxnb.tools.launch", "-n", str(n), "--timeout",
               str(timeout)] + worker
    else:       # plain mpirun, as users type it
        cmd = [find_mpirun(), "-np", str(n), "--oversubscribe"] + worker
    started = time.monotonic()
    proc = subprocess.run(cmd, env=_env(timeout), capture_output=True, text=True, timeout=180)
    return proc, time.monotonic() - started


def _single_process_reference(steps, optimizer):
    net = dist_worker.make_net(seed=100)          # rank 0's initial weights
    params = {"sgd": {"learning_rate": 0.1, "momentum": 0.9}, "adam": {"learning_rate": 0.01}}
    trainer = gluon.Trainer(net.collect_params(), optimizer, params[optimizer], kvstore=None)
    loss_fn = gluon.loss.SoftmaxCrossEntropyLoss()
    for x, y in dist_worker.batches(steps):
        with autograd.record():
            loss = loss_fn(net(nd.array(x)), nd.array(y))
        loss.backward()
        trainer.step(dist_worker.GLOBAL_BATCH)
    return [p.data().asnumpy() for p in net.collect_params().values()]


def _results(out, n):
    loaded = [np.load(os.path.join(out, "rank%d.npz" % r)) for r in range(n)]
    return [[f["arr_%d" % i] for i in range(len(f.files))] for f in loaded]


@pytest.mark.slow
@pytest.mark.parametrize("n,launcher,optimizer", [(2, "mpirun", "sgd"), (4, "tools", "sgd"),
                                                   (2, "tools", "adam")])
def test_dist_sync_workers_equal_one_process_on_the_whole_batch(tmp_path, n, launcher, optimizer):
    proc, _ = _launch(n, tmp_path, "--optimizer", optimizer, launcher=launcher)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    results = _results(tmp_path, n)
    expected = _single_process_reference(4, optimizer)
    assert len(results[0]) == len(expected) == 4
    for name, value in enumerate(expected):
        for rank in range(n):
            # every worker holds bit-identical parameters ...
            assert np.array_equal(results[rank][name], results[0][name]), (name, rank)
        # ... equal to one process on the concatenated batches (sums in another order)
        np.testing.assert_allclose(results[0][name], value, rtol=1e-5, atol=1e-6, err_msg=name)


@pytest.mark.slow
def test_killed_worker_is_named_by_the_others_within_the_timeout(tmp_path):
    proc, elapsed = _launch(2, tmp_path, "--die-rank", "1", timeout=15)
    assert proc.returncode != 0
    assert "MXNetError" in proc.stderr
    assert "rank(s) [1] did not reach" in proc.stderr, proc.stderr[-3000:]
    assert elapsed < 90
    assert not os.path.exists(os.path.join(tmp_path, "rank0.npz"))


@pytest.mark.slow
def test_workers_that_disagree_on_a_key_shape_get_an_error(tmp_path):
    proc, _ = _launch(2, tmp_path, "--mismatch-rank", "1", timeout=10)
    assert proc.returncode != 0
    assert "workers disagree" in proc.stderr, proc.stderr[-3000:]


def test_launcher_builds_an_mpirun_command():
    from mxnb.tools import launch
    args = launch._parser().parse_args(["-n", "3", "--env", "FOO:1", "--timeout", "7",
                                        "python", "train.py", "--lr", "0.1"])
    argv, env = launch.build_command(args, environ={})
    assert argv[1:3] == ["-np", "3"] and "--enable-recovery" in argv and "--oversubscribe" in argv
    assert argv[-4:] == ["python", "train.py", "--lr", "0.1"]
    assert env["FOO"] == "1" and env["MXNB_KVSTORE_TIMEOUT"] == "7.0"
    assert ["-x", "FOO"] == argv[argv.index("FOO") - 1:argv.index("FOO") + 1]
    ssh = launch._parser().parse_args(["-n", "2", "--launcher", "ssh", "-H", "hosts", "python", "t.py"])
    argv, _ = launch.build_command(ssh, environ={})
    assert "--hostfile" in argv and "plm_rsh_agent" in argv and "--oversubscribe" not in argv
    with pytest.raises(SystemExit, match="needs -H"):
        launch.build_command(launch._parser().parse_args(["-n", "2", "--launcher", "mpi", "x"]))


def test_dist_store_in_one_process_is_a_single_worker():
    kv = mx.kv.create("dist_sync")
    assert (kv.rank, kv.num_workers, kv.type) == (0, 1, "dist_sync")
    kv.init(0, nd.ones((2,)))
    kv.push(0, nd.ones((2,)) * 3)
    out = nd.zeros((2,))
    kv.pull(0, out=out)
    np.testing.assert_array_equal(out.asnumpy(), [3, 3])


@pytest.mark.slow
def test_module_fit_with_dist_sync_equals_one_process(tmp_path):
    from . import module_worker
    script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "module_worker.py")
    cmd = [sys.executable, "-m", "mxnb.tools.launch", "-n", "2", "--timeout", "60",
           sys.executable, script, "--out", str(tmp_path)]
    proc = subprocess.run(cmd, env=_env(60), capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    ranks = [dict(np.load(os.path.join(tmp_path, "rank%d.npz" % r))) for r in range(2)]

    x, y = module_worker.dataset()
    arg_params, aux_params = module_worker.initial_params()
    it = mx.io.NDArrayIter(x, y, batch_size=module_worker.GLOBAL_BATCH, shuffle=False,
                           label_name="softmax_label")
    mod = mx.mod.Module(module_worker.symbol(), context=mx.cpu())
    mod.fit(it, num_epoch=2, kvstore="local", optimizer="sgd",
            optimizer_params={"learning_rate": 0.5, "momentum": 0.9},
            arg_params=arg_params, aux_params=aux_params)
    expected, _ = mod.get_params()
    for name, value in expected.items():
        assert np.array_equal(ranks[0][name], ranks[1][name]), name
        np.testing.assert_allclose(ranks[0][name], value.asnumpy(), rtol=1e-5, atol=1e-6,
                                   err_msg=name)
