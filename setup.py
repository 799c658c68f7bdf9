"""Build script beside pyproject.toml: which packages the wheel holds and where they live.

The top-level ``sql/`` and ``workbook_templates/`` folders stay where DESIGN.md puts them
in the repository, and the wheel carries them as the data packages ``engine.sql`` and
``engine.workbook_templates`` (read through ``importlib.resources``, never a path into a
checkout; editable installs map the same names onto the folders).
"""

from setuptools import find_packages, setup

RESOURCE_PACKAGES = {"engine.sql": "sql", "engine.workbook_templates": "workbook_templates"}

setup(packages=[*find_packages(include=["engine*", "xlbridge*"]), *RESOURCE_PACKAGES],
      package_dir=RESOURCE_PACKAGES)
