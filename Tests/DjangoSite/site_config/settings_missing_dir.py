from .settings import *  # noqa: F403

# A STATICFILES_DIRS entry that does not exist: Django skips it with warning W004, and so does Hush.
STATICFILES_DIRS = STATICFILES_DIRS + [BASE_DIR / "no_such_static"]  # noqa: F405
