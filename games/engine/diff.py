"""State diffs as JSON Merge Patches (RFC 7396).

The engine keeps a private copy of the last state it broadcast. `diff_into` compares the
game's new state with that copy, brings the copy up to date and returns the patch, in one
walk: nothing is copied that did not change. Merge patches cannot carry null as a value
(null deletes a key), so game states never hold None.
"""

from __future__ import annotations

from typing import Any

_MISSING = object()


def copy_state(value: Any) -> Any:
    """A deep copy of JSON-shaped data, faster than `copy.deepcopy`."""
    kind = type(value)
    if kind is dict:
        return {key: copy_state(item) for key, item in value.items()}
    if kind is list:
        return [copy_state(item) for item in value]
    return value


def diff_into(last: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """The merge patch from `last` to `new`; `last` is changed to equal `new`."""
    patch: dict[str, Any] = {}
    if len(last) > len(new) or not last.keys() <= new.keys():
        for key in [key for key in last if key not in new]:
            del last[key]
            patch[key] = None
    for key, value in new.items():
        old = last.get(key, _MISSING)
        if type(value) is dict and type(old) is dict:
            nested = diff_into(old, value)
            if nested:
                patch[key] = nested
        elif old is _MISSING or old != value or type(old) is not type(value):
            copied = copy_state(value)
            last[key] = copied
            patch[key] = copied
    return patch


def apply_patch(target: Any, patch: Any) -> Any:
    """Applies a merge patch as RFC 7396 says; what clients do with each diff."""
    if type(patch) is not dict:
        return copy_state(patch)
    result = target if type(target) is dict else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = apply_patch(result.get(key), value)
    return result
