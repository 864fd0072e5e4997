from .settings import *  # noqa: F403

STORAGES["staticfiles"] = {"BACKEND": "site_config.variants.ModuleStorage"}  # noqa: F405
