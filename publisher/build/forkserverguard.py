"""Preloaded first by the build's fork server (`publisher.build.pool`): the server ends when the build does.

Importing this module asks that the importing process be killed when its parent ends,
and ends it at once if the build that started it is gone already
(`parentdeath.die_with_build`); only the fork server, whose parent is the build,
imports it. The server then ends with the build even while it is still preloading,
and so does every worker it forked.
"""

from __future__ import annotations

from publisher.build.parentdeath import die_with_build

die_with_build()
