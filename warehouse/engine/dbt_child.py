"""The dbt child process of warehouse.engine.build.run_dbt: `python -P …/dbt_child.py RESULTS ARGS…` runs dbt with
ARGS in this process and writes its run results to RESULTS. It imports nothing of this package (it is run by its
file's path, build.DBT_CHILD). With `--wait` it imports dbt first, then reads its run from one line of stdin,
{"results": RESULTS, "args": ARGS, "env": the environment to run in} (build.dbt_ready: dbt's import overlaps the
load), and ends at once if stdin closes with no line.

It costs less than dbt's own command line, on every build, and does nothing else differently (bench/REPORT.md,
"Issue 18"; the demo build 14.5-14.9 s → 11.2-11.6 s on one host, interleaved):
- jsonschema, which dbt imports, compiles 38 grammars of the optional package rfc3987-syntax on import (about 1.7 s)
  to check the "iri" format, which no schema dbt reads uses. The child hides that package, and jsonschema goes
  without the check (it imports it under suppress(ImportError)).
- dbt writes manifest.json (2.8 MB on the demo, with semantic_manifest.json and graph.gpickle) twice a build, and
  nothing here reads them: `--no-write-json`, and the child writes the run results itself, the same artifact dbt
  writes (RunExecutionResult.write).
- dbt.log takes debug lines (every statement's SQL, 1.5 MB a demo build): `--log-level-file warn` keeps its warnings
  and errors. The console's info lines go to dbt-console.log as before, and each node's compiled SQL stays under
  target/compiled and target/run.

Exit status as dbt's: 0 done, 1 models or tests failed, 2 dbt could not run.
"""

from __future__ import annotations

import json
import os
import sys

ARGUMENTS = ("--no-write-json", "--log-level-file", "warn")
"""Added to every invocation (above)."""

UNUSED_IMPORTS = ("rfc3987_syntax",)
"""Optional packages dbt's dependencies import when installed, which the child hides (above)."""


def dbt_runner():
    for name in UNUSED_IMPORTS:
        sys.modules.setdefault(name, None)  # `import name` now raises ImportError
    from dbt.cli.main import dbtRunner

    return dbtRunner


def main(results: str, args: list[str]) -> int:
    dbtRunner = dbt_runner()
    from dbt.cli.exceptions import DbtInternalException, DbtUsageException

    outcome = dbtRunner().invoke([*args, *ARGUMENTS])
    if hasattr(outcome.result, "write"):
        outcome.result.write(results)
    if outcome.success:
        return 0
    if isinstance(outcome.exception, (DbtUsageException, DbtInternalException)):
        print(f"Error: {outcome.exception}", flush=True)  # dbt's command line prints these; its runner does not
    return 2 if outcome.exception is not None else 1


def wait() -> int:
    dbt_runner()
    line = sys.stdin.readline()
    if not line:
        return 0
    run = json.loads(line)
    os.environ.clear()
    os.environ.update(run["env"])
    return main(run["results"], run["args"])


if __name__ == "__main__":
    sys.exit(wait() if sys.argv[1:] == ["--wait"] else main(sys.argv[1], sys.argv[2:]))
