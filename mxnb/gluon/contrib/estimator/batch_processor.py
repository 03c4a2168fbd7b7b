"""How the Estimator runs one batch: forward, loss and backward (replace it to customise)."""
from .... import autograd
from ...utils import split_and_load

__all__ = ["BatchProcessor"]


class BatchProcessor:
    """Runs one training or validation batch for an Estimator.

    A batch is `(data, label)`; both are split over `estimator.context` along `batch_axis`.
    Subclass and override `fit_batch` / `evaluate_batch` for other batch layouts or losses.

    Example
    -------
    >>> class Scaled(BatchProcessor):
    ...     def fit_batch(self, estimator, train_batch, batch_axis=0):
    ...         data, label = train_batch
    ...         return super().fit_batch(estimator, (data / 255, label), batch_axis)
    >>> est = Estimator(net, loss, batch_processor=Scaled())  # doctest: +SKIP
    """

    def _get_data_and_label(self, batch, ctx, batch_axis=0):
        data = split_and_load(batch[0], ctx_list=ctx, batch_axis=batch_axis)
        label = split_and_load(batch[1], ctx_list=ctx, batch_axis=batch_axis)
        return data, label

    def evaluate_batch(self, estimator, val_batch, batch_axis=0):
        """Forward and loss of `estimator.val_net` on one batch.

        Returns
        -------
        tuple of lists
            (data, label, pred, loss), one entry per context.
        """
        data, label = self._get_data_and_label(val_batch, estimator.context, batch_axis)
        pred = [estimator.val_net(x) for x in data]
        loss = [estimator.val_loss(y_hat, y) for y_hat, y in zip(pred, label)]
        return data, label, pred, loss

    def fit_batch(self, estimator, train_batch, batch_axis=0):
        """Forward, loss and backward of `estimator.net` on one batch (the update is a handler's).

        Returns
        -------
        tuple of lists
            (data, label, pred, loss), one entry per context.
        """
        data, label = self._get_data_and_label(train_batch, estimator.context, batch_axis)
        with autograd.record():
            pred = [estimator.net(x) for x in data]
            loss = [estimator.loss(y_hat, y) for y_hat, y in zip(pred, label)]
        for value in loss:
            value.backward()
        return data, label, pred, loss
