"""Talent e-card (plan item 19): apply with no paper, tiered benefits, scan to enjoy.

``applications`` (apply, no proof or with evidence) and ``review`` (operators decide);
``cards``, ``family`` and ``view`` (the card's life, sub-cards, what the resident sees);
``benefits``, ``redemptions`` and ``history`` (the catalogue, the gate, the records);
``policy`` (policies find people) and ``notices`` (what residents are told); ``rules`` holds
the tier table.
"""
