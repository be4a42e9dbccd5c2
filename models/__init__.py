"""Tortoise models, one module per aggregate. ``MODEL_MODULES`` lists them for Tortoise."""

MODEL_MODULES = [
    "models.residents",
    "models.organisations",
    "models.devices",
    "models.delegations",
]
