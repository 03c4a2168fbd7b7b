"""`mx.optimizer`: weight-update rules, their registry and the Updater (as MXNet 1.x)."""
from .optimizer import Optimizer, register, create
from .sgd import SGD, ccSGD
from .nag import NAG
from .adam import Adam
from .rmsprop import RMSProp
from .adagrad import AdaGrad
from .updater import Updater, get_updater

__all__ = ["Optimizer", "register", "create", "SGD", "ccSGD", "NAG", "Adam", "RMSProp", "AdaGrad",
           "Updater", "get_updater"]
