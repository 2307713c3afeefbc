"""Test-run speed: each test builds two app instances, and werkzeug compiles two URL builders per rule
with `ast` + `compile()` every time (about 0.3 s of the 0.33 s `create_app` takes here, 900 rules).

The generated builder depends only on the rule's text, its parsed trace, its defaults and its
converters' types (it calls `self._converters[...]` at build time, so instances are not baked in):
the same rule compiled again gives the same code. This memo hands back the function compiled the
first time. Nothing in the product changes: a production process builds its app once.
"""

from __future__ import annotations

from werkzeug.routing.rules import Rule

_compile_builder = Rule._compile_builder
_builders: dict[tuple, object] = {}


def _key(rule: Rule, append_unknown: bool) -> tuple:
    defaults = rule.defaults or {}
    return (rule.rule, rule.subdomain, rule.host, rule.merge_slashes, append_unknown, tuple(rule._trace),
            tuple(sorted((name, repr(value)) for name, value in defaults.items())),
            tuple(sorted((name, type(conv)) for name, conv in rule._converters.items())))


def _memoised_compile_builder(self: Rule, append_unknown: bool = True):
    key = _key(self, append_unknown)
    builder = _builders.get(key)
    if builder is None:
        builder = _builders[key] = _compile_builder(self, append_unknown)
    return builder


def install() -> None:
    Rule._compile_builder = _memoised_compile_builder
