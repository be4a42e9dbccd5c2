"""Credit-based deposit waivers (无押金城市 信用免押) and credit-based care (信用就医).

A merchant scans the resident's credit code and asks for a waiver (``grants``); the waiver is
released when the item comes back (``waivers``), or the merchant records a default
(``defaults``) that the resident pays or disputes within a window before it is reported to
the public credit platform (``reports``). Hospital admissions open a bill paid after
discharge (``care``). Everything that happens to a waiver is an event (``events``).
"""
