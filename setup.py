"""The one packaging rule pyproject.toml cannot state: the top-level ``templates/`` folder ships in the wheel.

``templates/`` stays where the project's layout wants it; the wheel carries it as ``podcaster/templates``,
which ``podcaster.config.TEMPLATES_DIR`` prefers when present (an installed copy). A ``packages.find``
table in pyproject.toml cannot map a folder to a package name, so the package list is made here.
Everything else (metadata, dependencies, package data) is in pyproject.toml.
"""
from setuptools import find_packages, setup

setup(
    packages=[*find_packages(include=["podcaster*"]), "podcaster.templates"],
    package_dir={"podcaster.templates": "templates"},
)
