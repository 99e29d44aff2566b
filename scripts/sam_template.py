"""How SAM applies the template's `Globals.Function` to each function (read by the build report and the tests)."""

from __future__ import annotations

from typing import Any


def function_properties(template: dict[str, Any], resource: dict[str, Any]) -> dict[str, Any]:
    """The function's properties with `Globals.Function` merged in, as SAM does.

    The function's own value wins; environment maps are merged key by key (the function's variable wins).
    """
    function_globals = dict(template.get("Globals", {}).get("Function", {}))
    own = dict(resource.get("Properties", {}))
    properties = {**function_globals, **own}
    global_variables = function_globals.get("Environment", {}).get("Variables", {})
    own_variables = own.get("Environment", {}).get("Variables", {})
    properties["Environment"] = {"Variables": {**global_variables, **own_variables}}
    return properties
