"""`mx.optimizer`: weight-update rules, their registry and the Updater (as MXNet 1.x)."""
from .optimizer import Optimizer, register, create
from .sgd import SGD, ccSGD
from .nag import NAG
from .signum import Signum
from .ftrl import Ftrl, FTML
from .lars import LARS, LBSGD
from .lamb import LAMB
from .adam import Adam, Adamax, Nadam
from .adagrad import AdaGrad, AdaDelta
from .rmsprop import RMSProp
from .dcasgd import DCASGD, SGLD, Test
from .updater import Updater, get_updater
from . import contrib

__all__ = ["Optimizer", "register", "create", "SGD", "ccSGD", "NAG", "Signum", "Ftrl", "FTML",
           "LARS", "LBSGD", "LAMB", "Adam", "Adamax", "Nadam", "AdaGrad", "AdaDelta", "RMSProp",
           "DCASGD", "SGLD", "Test", "Updater", "get_updater", "contrib"]
