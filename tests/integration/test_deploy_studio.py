"""`make deploy-studio` against moto: the page's files land in the studio bucket with types the browser accepts,
config.json names the stack's API, and files removed from web/ leave the bucket."""

from __future__ import annotations

import json

import boto3
import pytest
from moto import mock_aws

from scripts.deploy_studio import SITE_DIR, publish_site, stack_name_for, stack_outputs
from tests.template.stack import load_template

API_URL = "https://abc123.execute-api.eu-west-1.amazonaws.com/dev"


@pytest.fixture
def s3() -> object:
    with mock_aws():
        client = boto3.client("s3", region_name="eu-west-1")
        client.create_bucket(Bucket="studio", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
        yield client


def test_publishes_every_file_with_its_type_and_the_apis_url(s3: object) -> None:
    # GIVEN a bucket holding a file the page no longer has
    s3.put_object(Bucket="studio", Key="old.js", Body=b"//")  # type: ignore[attr-defined]

    # WHEN the studio is published
    written = publish_site(s3, "studio", f"{API_URL}/")

    # THEN every file of web/ is there, typed for the browser, revalidated on each load
    expected = sorted(path.relative_to(SITE_DIR).as_posix() for path in SITE_DIR.rglob("*") if path.is_file())
    assert sorted(written) == expected and written[-1] == "config.json"
    types = {"index.html": "text/html", "app.js": "text/javascript", "style.css": "text/css"}
    for key, media_type in types.items():
        head = s3.head_object(Bucket="studio", Key=key)  # type: ignore[attr-defined]
        assert head["ContentType"] == media_type
        assert head["CacheControl"] == "no-cache"
    # config.json names the API without a trailing slash (the page appends /tts/voices, ...)
    config = s3.get_object(Bucket="studio", Key="config.json")["Body"].read()  # type: ignore[attr-defined]
    assert json.loads(config) == {"apiBaseUrl": API_URL}
    # The stale file is gone
    keys = [item["Key"] for item in s3.list_objects_v2(Bucket="studio")["Contents"]]  # type: ignore[attr-defined]
    assert "old.js" not in keys and sorted(keys) == expected


def test_reads_the_bucket_and_the_api_from_the_stacks_outputs() -> None:
    # GIVEN a stack with the outputs the template declares
    outputs = load_template()["Outputs"]
    assert {"ApiUrl", "StudioBucketName", "StudioUrl"} <= set(outputs)
    template = {
        "Resources": {"Bucket": {"Type": "AWS::S3::Bucket"}},
        "Outputs": {
            "ApiUrl": {"Value": API_URL},
            "StudioBucketName": {"Value": {"Ref": "Bucket"}},
            "StudioUrl": {"Value": "https://d111111abcdef8.cloudfront.net/"},
        },
    }
    with mock_aws():
        cloudformation = boto3.client("cloudformation", region_name="eu-west-1")
        cloudformation.create_stack(StackName="voices", TemplateBody=json.dumps(template))

        found = stack_outputs(cloudformation, "voices")

    assert found["ApiUrl"] == API_URL and found["StudioUrl"].startswith("https://") and found["StudioBucketName"]


@pytest.mark.parametrize(
    ("environment", "stack"), [("default", "opentalking-voices-dev"), ("prod", "opentalking-voices-prod")]
)
def test_the_stack_is_the_one_sam_deploy_deploys(environment: str, stack: str) -> None:
    assert stack_name_for(environment) == stack
