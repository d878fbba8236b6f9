"""The contract suite's library: what ``contract_tests/`` and ``issuetrak contract`` are made of.

- :mod:`.document` - the contract: pinned document + ``contract_tests/links.json`` + documented corrections
- :mod:`.classify` - read / create / modify / destructive, and what a run may send
- :mod:`.checks`, :mod:`.datetimes` - Issuetrak's own response rules, the date-time tolerance
- :mod:`.transport`, :mod:`.policy` - requests -> httpx -> the SDK's retry loop and rate limiter
- :mod:`.runner` - targets, the schemathesis schema, sending and checking cases, the state machine
- :mod:`.paging`, :mod:`.search`, :mod:`.searchprobe` - invariants that need several requests
- :mod:`.preflight`, :mod:`.report`, :mod:`.session` - reachability, reports, the active run

Needs the ``contract`` extra (schemathesis, hypothesis, pytest).
"""
