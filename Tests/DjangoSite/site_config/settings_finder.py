from .settings import *  # noqa: F403

STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "site_config.variants.RemoteFinder",
]
