"""Tortoise models, a package per domain, one module per aggregate; every module is registered."""

import pkgutil

MODEL_MODULES = sorted(
    info.name
    for info in pkgutil.walk_packages(__path__, prefix=f"{__name__}.")
    if not info.ispkg and ".migrations" not in info.name and "._" not in info.name
)
