from .settings import *  # noqa: F403
import hush_no_such_module  # noqa: E402, F401  (the ImportError a typo in settings causes)
