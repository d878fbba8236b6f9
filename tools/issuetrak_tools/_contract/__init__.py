"""The contract suite's library: what ``contract_tests/`` and ``issuetrak contract`` are made of.

- :mod:`.document`, :mod:`.entities`, :mod:`.links` - the contract: pinned document, documented
  corrections, the document's conventions and the OpenAPI links derived from them per label
- :mod:`.classify` - read / create / modify / destructive, and what a run may send
- :mod:`.plan`, :mod:`.families`, :mod:`.steps`, :mod:`.lifecycle` - a run planned as the loop
  over the registered check families within its request budget, its steps carried out one by
  one, the run from options to reports
- :mod:`.checks`, :mod:`.datetimes` - Issuetrak's own response rules, the date-time tolerance
- :mod:`.paging`, :mod:`.search`, :mod:`.semantics`, :mod:`.persistence` - invariants that need
  several requests: pages, searches and sorts, writes read back
- :mod:`.transport`, :mod:`.policy`, :mod:`.guard`, :mod:`.ratelimits` - requests -> httpx -> the
  SDK's retry loop and rate limiter; the exact request budget; what every request and answer must
  respect (token to the site only, no redirect followed, 429 with Retry-After); the site's windows
- :mod:`.credentials` - the token, kept out of every output
- :mod:`.target`, :mod:`.schema`, :mod:`.cases` - where requests go; the schemathesis schema of a
  run; sending and checking cases, the state machine
- :mod:`.preflight`, :mod:`.report`, :mod:`.active_run`, :mod:`.suite_location` - reachability,
  reports, the active run, where the suite is

Needs the ``contract`` extra (schemathesis, hypothesis, pytest).
"""
