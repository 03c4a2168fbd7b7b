"""gluon.contrib.estimator: the fit API of MXNet 1.9.1 and its event handlers."""
import logging
import os

import numpy as np
import pytest

import mxnb as mx
from mxnb import gluon, nd
from mxnb.base import MXNetError
from mxnb.gluon.contrib.estimator import (Estimator, BatchProcessor, BatchEnd, EpochEnd,
                                          CheckpointHandler, EarlyStoppingHandler,
                                          GradientUpdateHandler, LoggingHandler, MetricHandler,
                                          StoppingHandler, ValidationHandler)


def loaders(n=64, batch_size=16, seed=0):
    rng = np.random.RandomState(seed)
    x = rng.randn(n, 4).astype(np.float32)
    y = (x[:, 0] + x[:, 1] > 0).astype(np.float32)
    dataset = gluon.data.ArrayDataset(nd.array(x), nd.array(y))
    return (gluon.data.DataLoader(dataset, batch_size=batch_size, shuffle=False),
            gluon.data.DataLoader(dataset, batch_size=batch_size))


def estimator(lr=0.5, hybridize=False, **kwargs):
    with mx.name.NameManager():
        net = gluon.nn.HybridSequential()
        with net.name_scope():
            net.add(gluon.nn.Dense(8, activation="relu", in_units=4), gluon.nn.Dense(2, in_units=8))
    net.initialize(mx.init.Xavier())
    if hybridize:
        net.hybridize()
    trainer = gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": lr})
    est = Estimator(net, gluon.loss.SoftmaxCrossEntropyLoss(), trainer=trainer, **kwargs)
    est.logger.handlers = []      # keep test output quiet; tests add their own handler
    return est


class Count(BatchEnd, EpochEnd):
    def __init__(self):
        self.batches = self.epochs = 0

    def batch_end(self, estimator, *args, **kwargs):
        self.batches += 1

    def epoch_end(self, estimator, *args, **kwargs):
        self.epochs += 1


def test_fit_trains_with_default_metrics_and_handlers():
    train, val = loaders()
    est = estimator()
    assert [m.name for m in est.train_metrics] == ["training accuracy",
                                                   "training softmaxcrossentropyloss"]
    assert [m.name for m in est.val_metrics] == ["validation accuracy",
                                                 "validation softmaxcrossentropyloss"]
    est.evaluate(val)
    loss_before = est.val_metrics[1].get()[1]
    count = Count()
    est.fit(train, val, epochs=5, event_handlers=[count])
    assert (count.batches, count.epochs) == (20, 5)
    assert est.val_metrics[1].get()[1] < loss_before
    assert est.val_metrics[0].get()[1] > 0.8


def test_evaluate_matches_a_manual_pass():
    train, val = loaders()
    est = estimator()
    est.evaluate(val)
    correct = total = 0
    for data, label in val:
        pred = est.net(data).asnumpy().argmax(axis=1)
        correct += int((pred == label.asnumpy()).sum())
        total += len(pred)
    assert est.val_metrics[0].get()[1] == pytest.approx(correct / total)


def test_fit_by_batches_stops_mid_epoch():
    train, _ = loaders()
    est = estimator()
    steps = []
    original = est.trainer.step
    est.trainer.step = lambda batch_size, **kw: (steps.append(batch_size), original(batch_size))
    est.fit(train, batches=6)
    assert steps == [16] * 6


@pytest.mark.parametrize("kwargs", [{}, {"epochs": 1, "batches": 2}])
def test_fit_needs_exactly_one_of_epochs_and_batches(kwargs):
    train, _ = loaders()
    with pytest.raises(ValueError, match="exactly one"):
        estimator().fit(train, **kwargs)


def test_inputs_must_be_data_loaders_and_losses():
    with pytest.raises(MXNetError, match="DataLoader"):
        estimator().fit([(nd.ones((2, 4)), nd.ones((2,)))], epochs=1)
    with pytest.raises(ValueError, match="loss must be a Loss"):
        Estimator(gluon.nn.Dense(2), loss="l2")
    with pytest.raises(ValueError, match="fit_batch"):
        estimator(batch_processor=object())


def test_logging_handler_logs_batches_and_epochs():
    train, val = loaders()
    est = estimator()
    records = []

    class Keep(logging.Handler):
        def emit(self, record):
            records.append(record.getMessage())
    est.logger.addHandler(Keep())
    est.fit(train, epochs=1, event_handlers=[LoggingHandler(log_interval=2,
                                                            metrics=est.train_metrics)])
    assert records[0].startswith("Training begin: using optimizer SGD with current learning "
                                 "rate 0.5000")
    batch_lines = [r for r in records if r.startswith("[Epoch 0][Batch")]
    assert [line.split("]")[1] for line in batch_lines] == ["[Batch 0", "[Batch 2"]
    assert "[Samples 48]" in batch_lines[1] and "training accuracy" in batch_lines[1]
    assert records[-1].startswith("Train finished using total")


def test_handlers_must_use_the_estimators_metrics():
    train, _ = loaders()
    est = estimator()
    with pytest.raises(ValueError, match="outside of the known"):
        est.fit(train, epochs=1, event_handlers=[LoggingHandler(metrics=[mx.metric.Accuracy()])])


def test_validation_handler_batch_period():
    train, val = loaders()
    est = estimator()
    calls = []
    handler = ValidationHandler(val, lambda **kw: calls.append(kw), epoch_period=None,
                                batch_period=3)
    est.fit(train, epochs=2, event_handlers=[handler])
    assert len(calls) == 8 // 3 and calls[0]["val_data"] is val


def test_checkpoints_best_model_and_rotation(tmp_path):
    train, val = loaders()
    est = estimator(hybridize=True)
    handler = CheckpointHandler(str(tmp_path), model_prefix="m", monitor=est.train_metrics[0],
                                save_best=True, epoch_period=1, max_checkpoints=2)
    assert handler.mode == "max"        # 'auto' on an accuracy metric
    est.fit(train, epochs=3, event_handlers=[handler])
    files = sorted(os.listdir(tmp_path))
    assert files == ["m-best.params", "m-best.states", "m-epoch1batch8.params",
                     "m-epoch1batch8.states", "m-epoch2batch12.params", "m-epoch2batch12.states",
                     "m-symbol.json"]
    net = estimator().net
    net.load_parameters(str(tmp_path / "m-epoch2batch12.params"))
    for a, b in zip(net.collect_params().values(), est.net.collect_params().values()):
        np.testing.assert_array_equal(a.data().asnumpy(), b.data().asnumpy())


def test_checkpoint_resume_trains_only_what_remains(tmp_path):
    train, _ = loaders()
    est = estimator()
    est.fit(train, epochs=2, event_handlers=[CheckpointHandler(str(tmp_path))])
    resumed = estimator()
    count = Count()
    resumed.fit(train, epochs=3, event_handlers=[
        CheckpointHandler(str(tmp_path), resume_from_checkpoint=True), count])
    assert count.epochs == 1
    assert "model-epoch2batch12.params" in os.listdir(tmp_path)


def test_early_stopping_after_patience():
    train, _ = loaders()
    est = estimator(lr=0.0)           # nothing improves
    loss_metric = est.train_metrics[1]
    stopper = EarlyStoppingHandler(monitor=loss_metric, patience=2)
    assert stopper.mode == "min"      # 'auto' on a loss
    count = Count()
    est.fit(train, epochs=10, event_handlers=[stopper, count])
    assert count.epochs == 3 and stopper.stopped_epoch == 2
    with pytest.raises(ValueError, match="CompositeEvalMetric"):
        EarlyStoppingHandler(monitor=mx.metric.CompositeEvalMetric())


def test_custom_gradient_update_and_metric_handlers_replace_the_defaults():
    train, _ = loaders()
    est = estimator()
    before = est.net[0].weight.data().asnumpy().copy()

    class NoUpdate(GradientUpdateHandler):
        def batch_end(self, estimator, *args, **kwargs):
            pass
    est.fit(train, epochs=1, event_handlers=[NoUpdate(),
                                             MetricHandler(metrics=est.train_metrics[:1])])
    np.testing.assert_array_equal(est.net[0].weight.data().asnumpy(), before)
    assert est.train_metrics[1].get()[1] != est.train_metrics[1].get()[1]   # never updated: nan


def test_custom_batch_processor():
    train, _ = loaders()

    class Negated(BatchProcessor):
        def fit_batch(self, estimator, train_batch, batch_axis=0):
            data, label = train_batch
            return super().fit_batch(estimator, (-data, label), batch_axis)
    est = estimator(batch_processor=Negated())
    est.fit(train, epochs=3)
    assert est.train_metrics[0].get()[1] > 0.7


def test_stopping_handler_counts():
    handler = StoppingHandler()

    class Est:
        max_epoch, max_batch = 2, None
    handler.train_begin(Est())
    assert not handler.batch_end(Est()) and not handler.epoch_end(Est())
    assert handler.epoch_end(Est())


def test_training_monitor_handler_records_every_batch():
    from mxnb.notebook import TrainingMonitorHandler
    train, _ = loaders()
    est = estimator()
    handler = TrainingMonitorHandler(total_samples=2 * 64)
    est.fit(train, epochs=2, event_handlers=[handler])
    history = handler.monitor.history
    assert len(history["loss"]) == 8 and history["samples"][-1] == 128
    assert history["metrics"]["training accuracy"][-1] == est.train_metrics[0].get()[1]
    assert set(history["grad_norms"]) == set(est.net.collect_params().keys())
    assert history["loss"][-1] < history["loss"][0]
    assert "training accuracy" in handler._repr_html_()


def test_context_checks():
    net = gluon.nn.Dense(2, in_units=4)
    loss = gluon.loss.L2Loss()
    with pytest.raises(ValueError, match="context must be a Context"):
        Estimator(net, loss, context="cpu")
    with pytest.raises(AssertionError, match="not available"):
        Estimator(net, loss, context=[mx.cpu(), mx.gpu(100)])
    est = Estimator(net, loss, context=mx.cpu())
    assert est.context == [mx.cpu()]


def test_uninitialized_val_net_is_a_runtime_error():
    train, val = loaders()
    est = estimator()
    est.val_net = gluon.nn.Dense(2)
    with pytest.raises(RuntimeError):
        est.fit(train, val, epochs=1)
