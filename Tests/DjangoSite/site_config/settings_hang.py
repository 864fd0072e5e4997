from .settings import *  # noqa: F403
import threading  # noqa: E402

threading.Event().wait()  # a settings module that blocks forever (a database probe, a prompt)
