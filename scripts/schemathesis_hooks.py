"""Schemathesis hooks for scripts/schemathesis (loaded through SCHEMATHESIS_HOOKS).

Schemathesis reuses ids it read in earlier answers as path parameters. Cases that would address
the run's own credentials (the admin user, by id or email, and its token) are dropped, so no
fuzzed case revokes, regenerates, bans, deletes or demotes the token the rest of the run
authenticates with (every later case would only see 401s). Everything else is fuzzed.
"""

import os
from urllib.parse import unquote

import schemathesis

PROTECTED = {v for v in os.environ.get("LATCHKEY_FUZZ_PROTECTED", "").split(",") if v}


@schemathesis.hook
def filter_case(context, case):
    values = (case.path_parameters or {}).values()
    return not any(isinstance(v, str) and unquote(v).strip().lower() in PROTECTED for v in values)
