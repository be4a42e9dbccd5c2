"""Tortoise models, one module per aggregate; every module here is registered with Tortoise."""

import pkgutil

MODEL_MODULES = sorted(
    f"{__name__}.{info.name}"
    for info in pkgutil.iter_modules(__path__)
    if not info.name.startswith("_") and info.name != "migrations"
)
