"""Bus ride code (鲁通码 一码通乘): accounts, fares, ride codes, taps, settlement, special cards.

Start from ``accounts`` (who rides and pays), ``codes`` (what the phone shows), ``taps`` (what
validators upload) and ``settlement`` (what WeChat Pay is asked to deduct).
"""
