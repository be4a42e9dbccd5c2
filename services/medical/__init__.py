"""Medical-record lookup (病历掌上查): own and family records from the health platform (FHIR),
an access log the patient reads, and consent codes for mutual recognition (检查检验结果互认).

A request reads: ``records`` (who may see what) → ``gateway`` (encrypted cache, circuit
breaker) → ``integrations.health`` (FHIR over signed HTTP) → ``mapping`` (our own models);
every access is appended to ``accesslog``. ``consent`` and ``recognition`` serve clinicians.
"""
