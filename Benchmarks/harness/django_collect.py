"""Run Django's collectstatic over a benchmark corpus (runs inside the benchmark venv).

    python django_collect.py --root STATIC_ROOT --storage manifest|whitenoise DIR|PREFIX=DIR...

`manifest` is ManifestStaticFilesStorage (hashing only); `whitenoise` is
whitenoise.storage.CompressedManifestStaticFilesStorage (hashing + Brotli/gzip); `servestatic` is
servestatic.storage.CompressedManifestStaticFilesStorage (the same, plus .zstd siblings when the
Python has compression.zstd, i.e. 3.14+). Sources are
given in Hush's syntax and mapped to STATICFILES_DIRS entries in the same order, so Django's
first-found-wins matches Hush's first-source-wins.
"""

import argparse
import sys

STORAGES = {
    "manifest": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage",
    "whitenoise": "whitenoise.storage.CompressedManifestStaticFilesStorage",
    "servestatic": "servestatic.storage.CompressedManifestStaticFilesStorage",
}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--root", required=True)
    parser.add_argument("--storage", choices=sorted(STORAGES), required=True)
    parser.add_argument("--app", action="append", default=[],
                        help="also install this app (servestatic needs its app for its settings)")
    parser.add_argument("sources", nargs="+")
    args = parser.parse_args()
    dirs = []
    for source in args.sources:
        prefix, sep, path = source.partition("=")
        dirs.append((prefix, path) if sep else source)

    import django
    from django.conf import settings
    from django.core.management import call_command

    settings.configure(
        DEBUG=False,
        SECRET_KEY="benchmark",
        INSTALLED_APPS=["django.contrib.staticfiles"] + args.app,
        STATIC_URL="/static/",
        STATIC_ROOT=args.root,
        STATICFILES_DIRS=dirs,
        STATICFILES_FINDERS=["django.contrib.staticfiles.finders.FileSystemFinder"],
        STORAGES={"staticfiles": {"BACKEND": STORAGES[args.storage]}},
        LOGGING_CONFIG=None,
    )
    django.setup()
    call_command("collectstatic", interactive=False, verbosity=0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
