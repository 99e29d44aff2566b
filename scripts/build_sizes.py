"""Report each built function's unzipped size plus its layers against Lambda's limits, and its native code's CPU.

The built template still says `!Ref Architecture` (sam build does not record --parameter-overrides), so the
architecture shown is read from the ELF headers of the shared libraries and binaries actually shipped.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cfnlint.decode import cfn_yaml

from scripts.sam_template import function_properties

MB = 1_000_000
# Lambda quotas (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html): 250 MB unzipped for a
# function and all its layers; Lambda's "MB" is MiB.
UNZIPPED_LIMIT_BYTES = 250 * 1024 * 1024
ELF_MAGIC = b"\x7fELF"
# ELF header e_machine values (little-endian half-word at offset 18).
ARCHITECTURE_BY_ELF_MACHINE = {62: "x86_64", 183: "arm64"}


@dataclass(frozen=True)
class BuiltFunction:
    logical_id: str
    code_dir: Path
    layer_dirs: tuple[Path, ...]

    @property
    def code_bytes(self) -> int:
        return directory_bytes(self.code_dir)

    @property
    def layer_bytes(self) -> int:
        return sum(directory_bytes(layer) for layer in self.layer_dirs)

    @property
    def total_bytes(self) -> int:
        return self.code_bytes + self.layer_bytes

    def native_architectures(self) -> dict[Path, str]:
        """Every ELF file in the code and layers, with the CPU it is built for."""
        found: dict[Path, str] = {}
        for directory in (self.code_dir, *self.layer_dirs):
            for path in directory.rglob("*"):
                if path.is_file() and not path.is_symlink():
                    with path.open("rb") as file:
                        header = file.read(20)
                    if header.startswith(ELF_MAGIC) and len(header) == 20:
                        machine = int.from_bytes(header[18:20], "little")
                        found[path] = ARCHITECTURE_BY_ELF_MACHINE.get(machine, f"elf-machine-{machine}")
        return found


def directory_bytes(directory: Path) -> int:
    return sum(path.stat().st_size for path in directory.rglob("*") if path.is_file() and not path.is_symlink())


def built_functions(build_dir: Path) -> list[BuiltFunction]:
    """The functions of a `sam build` output directory, read from its built template."""
    template: dict[str, Any] = cfn_yaml.load(str(build_dir / "template.yaml"))
    resources = template["Resources"]
    functions = []
    for logical_id, resource in sorted(resources.items()):
        if resource["Type"] != "AWS::Serverless::Function":
            continue
        properties = function_properties(template, resource)
        layers = tuple(
            build_dir / str(resources[layer["Ref"]]["Properties"]["ContentUri"])
            for layer in properties.get("Layers", [])
            if isinstance(layer, dict) and "Ref" in layer
        )
        functions.append(BuiltFunction(logical_id, build_dir / str(properties["CodeUri"]), layers))
    return functions


def report(functions: list[BuiltFunction]) -> str:
    limit = UNZIPPED_LIMIT_BYTES / MB
    lines = [f"{'function':<22}{'native code':<14}{'code MB':>9}{'layers MB':>11}{'total MB':>10}  (limit {limit:.1f})"]
    for function in functions:
        architectures = ",".join(sorted(set(function.native_architectures().values()))) or "none"
        flag = "" if function.total_bytes <= UNZIPPED_LIMIT_BYTES else "  OVER THE LIMIT"
        lines.append(
            f"{function.logical_id:<22}{architectures:<14}{function.code_bytes / MB:>9.1f}"
            f"{function.layer_bytes / MB:>11.1f}{function.total_bytes / MB:>10.1f}{flag}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("build_dir", type=Path, nargs="?", default=Path(".aws-sam/build"))
    parser.add_argument("--check", action="store_true", help="exit 1 if a function is over the limit (for deploys)")
    args = parser.parse_args(argv)
    functions = built_functions(args.build_dir)
    print(report(functions))
    over = any(function.total_bytes > UNZIPPED_LIMIT_BYTES for function in functions)
    return 1 if over and args.check else 0


if __name__ == "__main__":
    raise SystemExit(main())
