"""Run with the SAM CLI's Python (.venv-sam): print template.yaml as CloudFormation, the way the SAM transform does.

Usage: sam_translate.py TEMPLATE [Name=value ...]. Code locations become placeholder S3 URIs (as `sam validate`
does), and the managed policies SAM attaches are named offline, so nothing calls AWS.
"""

from __future__ import annotations

import json
import sys

from samcli.yamlhelper import yaml_parse
from samtranslator.translator.transform import transform

# The AWS managed policies SAM adds to function roles (basic logging, VPC access, X-Ray).
MANAGED_POLICIES = {
    name: f"arn:aws:iam::aws:policy/{path}{name}"
    for name, path in {
        "AWSLambdaBasicExecutionRole": "service-role/",
        "AWSLambdaVPCAccessExecutionRole": "service-role/",
        "AWSXrayWriteOnlyAccess": "",
        "AWSXRayDaemonWriteAccess": "",
    }.items()
}


class OfflinePolicyLoader:
    def load(self) -> dict[str, str]:
        return MANAGED_POLICIES


def main() -> None:
    template_path, *assignments = sys.argv[1:]
    with open(template_path, encoding="utf-8") as file:
        template = yaml_parse(file.read())
    for resource in template["Resources"].values():
        properties = resource.get("Properties", {})
        for key in ("CodeUri", "ContentUri"):
            if key in properties:
                properties[key] = "s3://placeholder-bucket/placeholder-key"
    parameters = dict(assignment.split("=", 1) for assignment in assignments)
    json.dump(transform(template, parameters, OfflinePolicyLoader()), sys.stdout, default=str)


if __name__ == "__main__":
    main()
