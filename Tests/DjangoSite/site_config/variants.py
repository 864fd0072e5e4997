"""Finders, storages and app configs for the settings variants (settings_*.py) the tests use to
check what `hush collect --django` accepts and refuses."""
from django.contrib.staticfiles.apps import StaticFilesConfig
from django.contrib.staticfiles.finders import BaseFinder
from django.contrib.staticfiles.storage import ManifestStaticFilesStorage


class RemoteFinder(BaseFinder):
    """A finder Hush cannot reproduce (it could list anything)."""

    def find(self, path, find_all=False, **kwargs):
        return []

    def list(self, ignore_patterns):
        return []


class CustomPatternsStorage(ManifestStaticFilesStorage):
    """Rewrites other references than Django's: Hush would not produce the same files."""

    patterns = ()


class ModuleStorage(ManifestStaticFilesStorage):
    """Only a switch Hush implements: accepted, and --js-modules follows it."""

    support_js_module_import_aggregation = True


class NoDefaultsStaticFilesConfig(StaticFilesConfig):
    """Collects dotfiles, which Hush always skips: refused."""

    ignore_patterns = ["CVS", "*~"]
