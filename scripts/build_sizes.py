"""Report each built function's unzipped size plus its layers against its budget and Lambda's limit, and its native
code's CPU.

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
# What each function may weigh, unzipped with its layers, as built for arm64: well under Lambda's limit, so that a
# new dependency is a decision (raise the budget here, with its reason) and not a failed deploy. `--check` and the
# tests' size gate enforce them.
BUDGET_BYTES = {
    "CloneVoiceFunction": 110 * MB,  # fastapi stack + dashscope + the audio-only ffmpeg layer
    "PreviewFunction": 160 * MB,  # five TTS SDKs, numpy + OpenBLAS, eSpeak NG's data for every language
    "OpenAiSpeechFunction": 165 * MB,  # the preview's providers, plus lameenc (0.5 MB) for MP3
    "ListTtsVoicesFunction": 70 * MB,  # edge-tts + aiohttp (Edge's live list), eSpeak NG's library and data
    "ListVoicesFunction": 25 * MB,
    # Deletion, the single-voice read and the reconciler call DashScope (delete, query, list voices) through its SDK,
    # which brings its own dependency tree (aiohttp, websocket-client, cryptography): about 60 MB each as slimmed.
    "DeleteVoiceFunction": 70 * MB,  # fastapi stack + dashscope
    "GetVoiceFunction": 70 * MB,  # fastapi stack + dashscope
    "ReconcileVoicesFunction": 70 * MB,  # Powertools + dashscope (no HTTP app)
    "CreateUploadFunction": 25 * MB,
    # The CORS preflights: the fastapi stack and Powertools, nothing else.
    "PreflightFunction": 25 * MB,
    # PyJWT + cryptography (RSA and EC signatures; 13 MB of the 31 built), pydantic for its settings.
    "AuthorizerFunction": 35 * MB,
    # The catalog functions in the VPC: pydantic and SQLite, no web framework, so their cold starts stay short.
    "CatalogForListFunction": 25 * MB,
    "CatalogForDeleteFunction": 25 * MB,
    "CatalogForCloneFunction": 25 * MB,
    "CatalogForPreviewFunction": 25 * MB,
    "CatalogForGetFunction": 25 * MB,
    "CatalogForReconcileFunction": 25 * MB,
    "CatalogForOpenAiSpeechFunction": 25 * MB,
}


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


def over_budget(functions: list[BuiltFunction]) -> dict[str, str]:
    """Functions heavier than their budget (or than Lambda's limit, for one without a budget), with a sentence."""
    over = {}
    for function in functions:
        budget = BUDGET_BYTES.get(function.logical_id, UNZIPPED_LIMIT_BYTES)
        if function.total_bytes > min(budget, UNZIPPED_LIMIT_BYTES):
            over[function.logical_id] = f"{function.total_bytes / MB:.1f} MB > budget {budget / MB:.1f} MB"
    return over


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
    lines = [
        f"{'function':<22}{'native code':<14}{'code MB':>9}{'layers MB':>11}{'total MB':>10}{'budget MB':>11}"
        f"  (limit {limit:.1f})"
    ]
    over = over_budget(functions)
    for function in functions:
        architectures = ",".join(sorted(set(function.native_architectures().values()))) or "none"
        budget = BUDGET_BYTES.get(function.logical_id, UNZIPPED_LIMIT_BYTES) / MB
        flag = "  OVER BUDGET" if function.logical_id in over else ""
        lines.append(
            f"{function.logical_id:<22}{architectures:<14}{function.code_bytes / MB:>9.1f}"
            f"{function.layer_bytes / MB:>11.1f}{function.total_bytes / MB:>10.1f}{budget:>11.1f}{flag}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("build_dir", type=Path, nargs="?", default=Path(".aws-sam/build"))
    parser.add_argument(
        "--check", action="store_true", help="exit 1 if a function is over its budget or Lambda's limit (for deploys)"
    )
    args = parser.parse_args(argv)
    functions = built_functions(args.build_dir)
    print(report(functions))
    return 1 if over_budget(functions) and args.check else 0


if __name__ == "__main__":
    raise SystemExit(main())
